// Types of the stack.mjs helpers that the TypeScript test harness (apps/gateway/test/harness.ts) uses.
import type { AuthSettings } from '@dsp/core';

export function freePort(): Promise<number>;
/** An ES256 key pair written into `dir`. */
export function makeKeys(dir: string): Promise<{ publicKeyFile: string; privateKeyFile: string }>;
export function toToml(sections: Record<string, Record<string, unknown>>): string;
export function merge<T extends Record<string, unknown>>(a: T, b: Record<string, unknown> | undefined): T;
export function authSettings(keys: { publicKeyFile: string; privateKeyFile: string }): AuthSettings;
/** A gateway cluster on a free port (see stack.mjs); `config` sections are merged over the defaults. */
export function startGateway(o: {
  dir: string;
  keys: { publicKeyFile: string; privateKeyFile: string };
  prefix: string;
  databaseUrl: string;
  upstreamUrl: string;
  workers?: number;
  port?: number;
  config?: Record<string, Record<string, unknown>>;
}): Promise<{ url: string; port: number; stop(): Promise<void> }>;
