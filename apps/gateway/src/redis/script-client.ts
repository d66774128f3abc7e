// The hot path's own Redis connection: it only runs the gateway's Lua scripts (admit, finish,
// renew). Profiles showed ioredis spending about a quarter of a worker's CPU building, queueing
// and writing these two calls per request; here a call is one pre-encoded string appended to a
// buffer that is written once per event-loop turn, and replies are matched in order.
// Same contract as the ioredis client it replaces on single-node Redis: no offline queue (a call
// while disconnected fails at once), a deadline per call, reconnect with backoff, and EVALSHA
// falling back to EVAL when Redis lost its script cache (restart, SCRIPT FLUSH).
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { SCRIPTS } from '@dsp/core';
import { hotPathRetry } from '@dsp/db/redis';
import { RespError, RespReader, encodeCommand, encodeParts, type RespValue } from './resp.js';

type ScriptName = keyof typeof SCRIPTS;
type Arg = string | number;

/** The script calls of the hot path, with ioredis's defineCommand signature (keys, then args). */
export interface HotScripts {
  dspAdmitV2(...args: Arg[]): Promise<(number | string)[]>;
  dspFinishV4(...args: Arg[]): Promise<number>;
  dspFinishNoOutboxV4(...args: Arg[]): Promise<number>;
  dspRenewV1(...args: Arg[]): Promise<number>;
  /** a script whose number of keys varies per call (the upstream-account scripts) */
  evalKeys(lua: string, numberOfKeys: number, args: Arg[]): Promise<unknown>;
}

interface Call {
  /** what to send again as EVAL after a NOSCRIPT reply; null for connection setup commands */
  script: ScriptName | { lua: string; numberOfKeys: number } | null;
  args: Arg[];
  sentAt: number;
  settled: boolean;
  resolve(v: RespValue): void;
  reject(e: Error): void;
}

interface Script {
  lua: string;
  numberOfKeys: number;
  /** `EVALSHA <sha> <numkeys>` encoded once; a call only adds the array header and its arguments */
  evalsha: string;
}

const SHAS = Object.fromEntries(
  Object.entries(SCRIPTS).map(([name, s]) => {
    const sha = createHash('sha1').update(s.lua).digest('hex');
    return [name, { lua: s.lua, numberOfKeys: s.numberOfKeys, evalsha: encodeParts(['EVALSHA', sha, s.numberOfKeys]) }];
  }),
) as Record<ScriptName, Script>;

const VARIADIC_SHAS = new Map<string, string>();
/** The SHA1 of a script's source, computed once per source. */
export function shaOf(lua: string): string {
  let sha = VARIADIC_SHAS.get(lua);
  if (!sha) {
    sha = createHash('sha1').update(lua).digest('hex');
    VARIADIC_SHAS.set(lua, sha);
  }
  return sha;
}

export interface ScriptClientOptions {
  url: string;
  timeoutMs: number;
  onState(ready: boolean): void;
}

export class ScriptClient implements HotScripts {
  private socket: Socket | null = null;
  private ready = false;
  private closed = false;
  private attempts = 0;
  private out = '';
  private flushQueued = false;
  /** calls waiting for their reply, oldest first (Redis answers in order) */
  private readonly waiting: Call[] = [];
  private head = 0;
  private readonly reader = new RespReader((v) => this.onReply(v));
  private readonly deadlines: NodeJS.Timeout;
  private readonly target: URL;

  constructor(private readonly o: ScriptClientOptions) {
    this.target = new URL(o.url);
    // one sweep for every call's deadline instead of a timer per call
    this.deadlines = setInterval(() => this.expire(), Math.max(5, Math.min(100, Math.floor(o.timeoutMs / 4))));
    this.deadlines.unref();
    this.open();
  }

  get status(): 'ready' | 'connecting' | 'closed' {
    return this.closed ? 'closed' : this.ready ? 'ready' : 'connecting';
  }

  dspAdmitV2(...args: Arg[]): Promise<(number | string)[]> {
    return this.run('dspAdmitV2', args) as Promise<(number | string)[]>;
  }
  dspFinishV4(...args: Arg[]): Promise<number> {
    return this.run('dspFinishV4', args) as Promise<number>;
  }
  dspFinishNoOutboxV4(...args: Arg[]): Promise<number> {
    return this.run('dspFinishNoOutboxV4', args) as Promise<number>;
  }
  dspRenewV1(...args: Arg[]): Promise<number> {
    return this.run('dspRenewV1', args) as Promise<number>;
  }

  evalKeys(lua: string, numberOfKeys: number, args: Arg[]): Promise<unknown> {
    if (!this.ready) return Promise.reject(new Error('redis is not connected'));
    const parts = ['EVALSHA', shaOf(lua), numberOfKeys, ...args];
    return this.send(encodeCommand(parts), { lua, numberOfKeys }, args);
  }

  disconnect(): void {
    this.closed = true;
    clearInterval(this.deadlines);
    this.socket?.destroy();
  }

  private run(name: ScriptName, args: Arg[]): Promise<RespValue> {
    if (!this.ready) return Promise.reject(new Error('redis is not connected'));
    return this.send(`*${args.length + 3}\r\n${SHAS[name].evalsha}${encodeParts(args)}`, name, args);
  }

  private send(command: string, script: Call['script'], args: Arg[]): Promise<RespValue> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ script, args, sentAt: performance.now(), settled: false, resolve, reject });
      this.out += command;
      if (!this.flushQueued) {
        this.flushQueued = true;
        // after the current poll phase: every call made while handling this batch of sockets
        // goes out in one write
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.out === '' || !this.socket) return;
    this.socket.write(this.out);
    this.out = '';
  }

  private onReply(v: RespValue): void {
    const call = this.waiting[this.head];
    if (!call) return; // a reply nobody waits for (cannot happen on a healthy connection)
    this.waiting[this.head++] = undefined as never;
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
    if (call.settled) return; // its deadline passed; the reply arrived late
    if (v instanceof RespError) {
      if (call.script && v.message.startsWith('NOSCRIPT')) {
        // Redis forgot the script: send the source once; it is cached again after this
        const s = typeof call.script === 'string' ? SHAS[call.script] : call.script;
        this.send(encodeCommand(['EVAL', s.lua, s.numberOfKeys, ...call.args]), null, call.args).then(call.resolve, call.reject);
        return;
      }
      call.settled = true;
      return call.reject(v);
    }
    call.settled = true;
    call.resolve(v);
  }

  private expire(): void {
    const limit = performance.now() - this.o.timeoutMs;
    for (let i = this.head; i < this.waiting.length; i++) {
      const c = this.waiting[i]!;
      if (c.sentAt > limit) break;
      if (!c.settled) {
        c.settled = true;
        c.reject(new Error(`redis call timed out after ${this.o.timeoutMs} ms`));
      }
    }
  }

  private open(): void {
    const socket = connect({ host: this.target.hostname.replace(/^\[|\]$/g, ''), port: Number(this.target.port || 6379) });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.on('data', (chunk: Buffer) => {
      try {
        this.reader.push(chunk);
      } catch (e) {
        socket.destroy(e as Error); // garbage on the wire: start over on a fresh connection
      }
    });
    socket.on('error', () => {
      /* 'close' follows and handles it */
    });
    socket.on('close', () => this.onClose(socket));
    socket.on('connect', () => void this.handshake(socket));
  }

  /** AUTH and SELECT from the URL, then the connection takes calls. */
  private async handshake(socket: Socket): Promise<void> {
    const { username, password, pathname } = this.target;
    const db = Number(pathname.slice(1) || 0);
    try {
      if (password) {
        const user = decodeURIComponent(username);
        await this.send(encodeCommand(user ? ['AUTH', user, decodeURIComponent(password)] : ['AUTH', decodeURIComponent(password)]), null, []).then(
          failOnError,
        );
      }
      if (db) await this.send(encodeCommand(['SELECT', db]), null, []).then(failOnError);
    } catch {
      socket.destroy();
      return;
    }
    if (this.socket !== socket) return;
    this.attempts = 0;
    this.ready = true;
    this.o.onState(true);
  }

  private onClose(socket: Socket): void {
    if (this.socket !== socket) return;
    this.socket = null;
    const wasReady = this.ready;
    this.ready = false;
    this.out = '';
    this.reader.reset();
    const lost = new Error('redis connection lost');
    for (let i = this.head; i < this.waiting.length; i++) {
      const c = this.waiting[i]!;
      if (!c.settled) {
        c.settled = true;
        c.reject(lost);
      }
    }
    this.waiting.length = 0;
    this.head = 0;
    if (wasReady) this.o.onState(false);
    if (this.closed) return;
    const delay = hotPathRetry(this.attempts++);
    setTimeout(() => this.closed || this.open(), delay).unref();
  }
}

function failOnError(v: RespValue): RespValue {
  if (v instanceof RespError) throw v;
  return v;
}
