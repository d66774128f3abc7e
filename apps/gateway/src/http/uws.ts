// Load uWebSockets.js's native binary directly. The package silently falls back to a slow
// ws-based implementation when the binary fails to load; the gateway refuses to run on that.
import { createRequire } from 'node:module';
import type * as UWS from 'uWebSockets.js';

const require = createRequire(import.meta.url);

export type Uws = typeof UWS;

/** main.ts refuses to start when it is set (the package would then load its ws fallback). */
export const UWS_FALLBACK_ENV = 'UWS_USE_FALLBACK';

export function loadNativeUws(): Uws {
  const binary = `uWebSockets.js/binaries/uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  let uws: Uws;
  try {
    uws = require(binary) as Uws;
  } catch (e) {
    throw new Error(`the native uWebSockets.js binary did not load (${binary}): ${(e as Error).message}`, { cause: e });
  }
  assertNative(uws);
  // no `uWebSockets: 20` header on every response (it names the server software and version)
  (uws as unknown as { _cfg(key: string): void })._cfg('silent');
  return uws;
}

/** The fallback lacks getParts and its App is plain JavaScript. */
export function assertNative(uws: Uws): void {
  const u = uws as unknown as Record<string, unknown>;
  if (typeof u.getParts !== 'function' || !String(u.App).includes('[native code]')) {
    throw new Error('uWebSockets.js is the ws fallback, not the native build: refusing to start');
  }
}
