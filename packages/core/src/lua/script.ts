// A Lua script with its KEYS/ARGV layout typed: the module that owns a script also owns its
// encoder and decoder, so a caller builds an input object and gets a decoded result, never
// positions. Runners (the gateway's script client, ioredis on a Cluster, tests) only send
// `EVALSHA sha numkeys ...args` and fall back to EVAL when Redis lost its script cache.

import { createHash } from 'node:crypto';

export type ScriptArg = string | number;

/**
 * A run of arguments many calls share (the account pick's keys and candidates): a runner may
 * encode it once and reuse the bytes. It stands for its values, in place.
 */
export class ArgRun {
  constructor(readonly values: readonly ScriptArg[]) {}
}

export type CallArg = ScriptArg | ArgRun;

/** One call: its arguments, KEYS first; the first `keys` of them (runs spread) are KEYS. */
export interface ScriptCall {
  keys: number;
  args: CallArg[];
}

/** The arguments with every run spread in place, for runners that take plain arguments. */
export function flatArgs(args: readonly CallArg[]): ScriptArg[] {
  const out: ScriptArg[] = [];
  for (const a of args) {
    if (a instanceof ArgRun) out.push(...a.values);
    else out.push(a);
  }
  return out;
}

export interface LuaScript<I, O> {
  /** versioned: a changed script gets a new name, so two releases sharing one Redis never collide */
  readonly name: string;
  readonly lua: string;
  encode(input: I): ScriptCall;
  decode(reply: unknown): O;
}

/** What runs the scripts: one round trip per call, calls of one event-loop turn pipelined. */
export interface ScriptRunner {
  run<I, O>(script: LuaScript<I, O>, input: I): Promise<O>;
}

export function defineScript<I, O>(name: string, lua: string, encode: (input: I) => ScriptCall, decode: (reply: unknown) => O): LuaScript<I, O> {
  return { name, lua, encode, decode };
}

/** The reply of a script returning 0 or 1. */
export const asFlag = (reply: unknown): boolean => reply === 1;

const SHAS = new Map<string, string>();
/** The SHA1 of a script's source (what EVALSHA names it by), computed once per source. */
export function scriptSha(lua: string): string {
  let sha = SHAS.get(lua);
  if (!sha) {
    sha = createHash('sha1').update(lua).digest('hex');
    SHAS.set(lua, sha);
  }
  return sha;
}

/** What running scripts needs of a Redis client (ioredis's Redis and Cluster both have it). */
export interface EvalClient {
  evalsha(sha: string, numberOfKeys: number, ...args: ScriptArg[]): Promise<unknown>;
  eval(lua: string, numberOfKeys: number, ...args: ScriptArg[]): Promise<unknown>;
}

/** The scripts through a general client (Redis Cluster, tools, tests): EVALSHA, EVAL when Redis lost its script cache. */
export function evalRunner(r: EvalClient): ScriptRunner {
  return {
    async run<I, O>(script: LuaScript<I, O>, input: I): Promise<O> {
      const c = script.encode(input);
      const args = flatArgs(c.args);
      try {
        return script.decode(await r.evalsha(scriptSha(script.lua), c.keys, ...args));
      } catch (e) {
        if (!(e instanceof Error) || !e.message.startsWith('NOSCRIPT')) throw e;
        return script.decode(await r.eval(script.lua, c.keys, ...args));
      }
    },
  };
}
