// The hot path's own Redis connection: it only runs the gateway's Lua scripts (admit, finish,
// renew). Profiles showed ioredis spending about a quarter of a worker's CPU building, queueing
// and writing these two calls per request; here a call is one pre-encoded string appended to a
// buffer that is written once per event-loop turn, and replies are matched in order.
// Same contract as the ioredis client it replaces on single-node Redis: no offline queue (a call
// while disconnected fails at once), a deadline per call, reconnect with backoff, and EVALSHA
// falling back to EVAL when Redis lost its script cache (restart, SCRIPT FLUSH).
import { connect, type Socket } from 'node:net';
import { ArgRun, flatArgs, scriptSha, type CallArg, type LuaScript, type ScriptRunner } from '@dsp/core';
import { hotPathRetry } from '@dsp/db/redis';
import { RespError, RespReader, encodeCommand, encodePart, encodeParts, type RespValue } from './resp.js';

interface Call {
  /** what to send again as EVAL after a NOSCRIPT reply; null for connection setup commands */
  script: { lua: string; keys: number } | null;
  args: readonly CallArg[];
  sentAt: number;
  settled: boolean;
  resolve(v: RespValue): void;
  reject(e: Error): void;
}

/** `EVALSHA <sha>` encoded once per script; a call only adds the array header and its arguments. */
const EVALSHA = new Map<string, string>();
function evalshaOf(script: LuaScript<unknown, unknown>): string {
  let head = EVALSHA.get(script.name);
  if (!head) {
    head = encodeParts(['EVALSHA', scriptSha(script.lua)]);
    EVALSHA.set(script.name, head);
  }
  return head;
}

/** Runs shared by many calls are encoded once. */
const ENCODED_RUNS = new WeakMap<ArgRun, string>();

function encodeArgs(args: readonly CallArg[]): { count: number; encoded: string } {
  let count = 0;
  let encoded = '';
  for (const a of args) {
    if (a instanceof ArgRun) {
      let run = ENCODED_RUNS.get(a);
      if (run === undefined) ENCODED_RUNS.set(a, (run = encodeParts(a.values)));
      encoded += run;
      count += a.values.length;
    } else {
      encoded += encodePart(a);
      count++;
    }
  }
  return { count, encoded };
}

export interface ScriptClientOptions {
  url: string;
  timeoutMs: number;
  onState(ready: boolean): void;
}

export class ScriptClient implements ScriptRunner {
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
    // one sweep for every call's deadline instead of a timer per call. It times out the calls whose
    // deadline had passed when the timer fired, after this turn's I/O (setImmediate): when the
    // worker's event loop stalled past a deadline, replies that arrived meanwhile are read first
    // (bench/optimisations.md, slow streams)
    this.deadlines = setInterval(
      () => {
        const limit = performance.now() - o.timeoutMs;
        setImmediate(() => this.expire(limit));
      },
      Math.max(5, Math.min(100, Math.floor(o.timeoutMs / 4))),
    );
    this.deadlines.unref();
    this.open();
  }

  get status(): 'ready' | 'connecting' | 'closed' {
    return this.closed ? 'closed' : this.ready ? 'ready' : 'connecting';
  }

  run<I, O>(script: LuaScript<I, O>, input: I): Promise<O> {
    if (!this.ready) return Promise.reject(new Error('redis is not connected'));
    const c = script.encode(input);
    const { count, encoded } = encodeArgs(c.args);
    const command = `*${count + 3}\r\n${evalshaOf(script as LuaScript<unknown, unknown>)}${encodeParts([c.keys])}${encoded}`;
    return this.send(command, { lua: script.lua, keys: c.keys }, c.args).then(script.decode);
  }

  disconnect(): void {
    this.closed = true;
    clearInterval(this.deadlines);
    this.socket?.destroy();
  }

  private send(command: string, script: Call['script'], args: readonly CallArg[]): Promise<RespValue> {
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
        const s = call.script;
        this.send(encodeCommand(['EVAL', s.lua, s.keys, ...flatArgs(call.args)]), null, call.args).then(call.resolve, call.reject);
        return;
      }
      call.settled = true;
      return call.reject(v);
    }
    call.settled = true;
    call.resolve(v);
  }

  private expire(limit: number): void {
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
