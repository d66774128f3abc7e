// Small helpers shared by the gateway integration tests: raw HTTP over node:net (for headers
// fetch refuses to send and for slow or vanishing clients), Prometheus text parsing, SSE
// normalisation, and the Redis keys a test inspects.
import { connect, type Socket } from 'node:net';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { keys, periodAt } from '@dsp/core';
import type { Gateway } from './harness.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** raw header block, as it came */
  head: string;
  body: Buffer;
}

/** POST a JSON body with fetch and the token's Bearer header. */
export function post(url: string, token: string | null, body: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  const h: Record<string, string> = { 'content-type': 'application/json', ...headers };
  if (token !== null) h.authorization = `Bearer ${token}`;
  return fetch(url, { method: 'POST', headers: h, body, signal });
}

/** A parsed OpenAI-shaped error answer. */
export async function errorOf(
  r: Response,
): Promise<{ status: number; code: string; type: string; message: string; retryAfter: string | null; requestId: string | null }> {
  const text = await r.text();
  let j: { error?: { code?: string; type?: string; message?: string } } = {};
  try {
    j = JSON.parse(text);
  } catch {
    /* leave empty: the assertion on code shows the body */
  }
  return {
    status: r.status,
    code: j.error?.code ?? `<no code in ${text.slice(0, 200)}>`,
    type: j.error?.type ?? '',
    message: j.error?.message ?? '',
    retryAfter: r.headers.get('retry-after'),
    requestId: r.headers.get('x-request-id'),
  };
}

/**
 * One HTTP/1.1 exchange over a fresh TCP connection, written byte for byte. The response is read
 * until its content-length or last chunk (or the socket end), bounded by `timeoutMs`.
 */
export function rawRequest(port: number, request: string | Buffer, timeoutMs = 5000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const parts: Buffer[] = [];
    let settled = false;
    const timer = setTimeout(
      () => finish(new Error(`raw request timed out after ${timeoutMs} ms; got ${Buffer.concat(parts).toString('latin1').slice(0, 500)}`)),
      timeoutMs,
    );
    function finish(err: Error | null, res?: RawResponse) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.destroy();
      if (err) reject(err);
      else resolve(res!);
    }
    const tryParse = (ended: boolean) => {
      const buf = Buffer.concat(parts);
      const r = parseResponse(buf, ended);
      if (r) finish(null, r);
      else if (ended) finish(new Error(`connection ended before a complete response: ${buf.toString('latin1').slice(0, 500)}`));
    };
    s.on('data', (b) => {
      parts.push(b);
      tryParse(false);
    });
    s.on('end', () => tryParse(true));
    s.on('error', (e) => (parts.length ? tryParse(true) : finish(e)));
    s.write(request);
  });
}

/** A complete response in `buf`, or null when more bytes are needed. */
export function parseResponse(buf: Buffer, ended: boolean): RawResponse | null {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd === -1) return null;
  const head = buf.toString('latin1', 0, headEnd);
  const [statusLine, ...lines] = head.split('\r\n');
  const status = Number(statusLine!.split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const rest = buf.subarray(headEnd + 4);
  if (headers['content-length'] !== undefined) {
    const n = Number(headers['content-length']);
    return rest.length >= n ? { status, headers, head, body: rest.subarray(0, n) } : null;
  }
  if (headers['transfer-encoding']?.includes('chunked')) {
    const body = dechunk(rest);
    return body ? { status, headers, head, body } : ended ? { status, headers, head, body: rest } : null;
  }
  return ended ? { status, headers, head, body: rest } : null;
}

/** Decodes a complete chunked body; null when its last chunk has not arrived yet. */
export function dechunk(b: Buffer): Buffer | null {
  const out: Buffer[] = [];
  let i = 0;
  for (;;) {
    const eol = b.indexOf('\r\n', i);
    if (eol === -1) return null;
    const size = parseInt(b.toString('latin1', i, eol), 16);
    if (Number.isNaN(size)) throw new Error(`bad chunk size at ${i}`);
    if (size === 0) return Buffer.concat(out);
    if (b.length < eol + 2 + size + 2) return null;
    out.push(b.subarray(eol + 2, eol + 2 + size));
    i = eol + 2 + size + 2;
  }
}

/** The request text of a POST with a JSON body. */
export function rawPost(path: string, token: string | null, body: string, extraHeaders: string[] = []): string {
  const lines = [`POST ${path} HTTP/1.1`, 'host: 127.0.0.1', 'content-type: application/json', `content-length: ${Buffer.byteLength(body)}`];
  if (token !== null) lines.push(`authorization: Bearer ${token}`);
  lines.push(...extraHeaders);
  return lines.join('\r\n') + '\r\n\r\n' + body;
}

/** Opens a TCP connection and sends `request`; the caller reads (or does not) as it likes. */
export function openRaw(port: number, request: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write(request);
      resolve(s);
    });
    s.once('error', reject);
  });
}

// ---- SSE ------------------------------------------------------------------------------------

/** Ids and timestamps differ between two answers of the mock; everything else must not. */
export function normalise(text: string): string {
  return text.replace(/"id":"[^"]*"/g, '"id":"<id>"').replace(/"created":\d+/g, '"created":0');
}

// ---- Prometheus text ------------------------------------------------------------------------

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    if (m[3]) for (const l of m[3].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[4]) });
  }
  return out;
}

/** Sum of the samples of `name` whose labels include `match`. */
export function metric(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  let s = 0;
  for (const x of samples) {
    if (x.name !== name) continue;
    if (Object.entries(match).every(([k, v]) => x.labels[k] === v)) s += x.value;
  }
  return s;
}

export async function scrape(gw: Gateway): Promise<Sample[]> {
  const r = await fetch(gw.metricsUrl);
  if (r.status !== 200) throw new Error(`metrics scrape answered ${r.status}`);
  return parseMetrics(await r.text());
}

// ---- Redis and processes --------------------------------------------------------------------

/** The user's day counter hash (`req`, `tok`) for today in `timeZone`. */
export function dayKey(gw: Gateway, sub: string, timeZone = 'UTC'): string {
  return keys.day(gw.prefix, sub, periodAt(timeZone, Date.now()).day);
}

export const userKey = (gw: Gateway, sub: string) => keys.user(gw.prefix, sub);
export const revokedKey = (gw: Gateway, sub: string) => keys.revoked(gw.prefix, sub);
export const leaseKey = (gw: Gateway, sub: string, jti: string) => keys.leases(gw.prefix, sub, jti);

/** Resident set size of a process in bytes (VmRSS of /proc/<pid>/status). */
export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

/** The gateway's JSON log lines, parsed. */
export function logLines(gw: Gateway): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const l of gw.logs) {
    if (!l.startsWith('{')) continue;
    try {
      out.push(JSON.parse(l) as Record<string, unknown>);
    } catch {
      /* a partial line */
    }
  }
  return out;
}

/** base64url of a JSON value, for hand-made JWTs. */
export const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/**
 * Which of `pids` owns the server side of the TCP connection whose client end is on local port
 * `clientPort` (found through /proc/net/tcp inodes and /proc/<pid>/fd).
 */
export function pidOwningConnection(clientPort: number, serverPort: number, pids: number[]): number | null {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const local = parseInt(f[1]!.split(':')[1]!, 16);
      const remote = parseInt(f[2]!.split(':')[1]!, 16);
      if (local === serverPort && remote === clientPort) inodes.add(f[9]!);
    }
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return pid;
      } catch {
        /* the fd closed meanwhile */
      }
    }
  }
  return null;
}
