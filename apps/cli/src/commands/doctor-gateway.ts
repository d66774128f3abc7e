// dsp doctor's look at the running gateway: is it answering on server.host:server.port, and does
// it answer an HTTP/1.0 request? This uWebSockets.js build ignores HTTP/1.0 (no answer at all), so
// a front proxy that speaks 1.0 to it (nginx's default) sees timeouts; say so in plain words.
import { connect } from 'node:net';
import type { Config } from '@dsp/config';

export type Status = 'ok' | 'warn' | 'fail';
export interface Finding {
  check: string;
  status: Status;
  detail: string;
}

const PROBE_TIMEOUT_MS = 2000;

/** The address a local client dials for a listener bound to `host`. */
export function dialHost(host: string): string {
  if (host === '0.0.0.0' || host === '' || host === '::') return '127.0.0.1';
  return host;
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Sends `GET /healthz HTTP/1.0` and resolves to the status line, or null when nothing came back. */
export function probeHttp10(host: string, port: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let data = '';
    const done = (v: string | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(data ? (data.split('\r\n')[0] ?? null) : null), timeoutMs);
    socket.once('connect', () => socket.write(`GET /healthz HTTP/1.0\r\nHost: ${host}:${port}\r\n\r\n`));
    socket.on('data', (b) => {
      data += b.toString('latin1');
      if (data.includes('\r\n')) done(data.split('\r\n')[0]!);
    });
    socket.once('end', () => done(data ? data.split('\r\n')[0]! : null));
    socket.once('error', (e) => {
      clearTimeout(timer);
      socket.destroy();
      reject(e);
    });
  });
}

export async function checkGateway(config: Config): Promise<Finding[]> {
  const host = dialHost(config.server.host);
  const base = `http://${urlHost(host)}:${config.server.port}`;
  try {
    const r = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    const body = await r.text();
    const first: Finding =
      r.status === 200
        ? { check: 'gateway', status: 'ok', detail: `${base} is ready (HTTP/1.1 /readyz 200)` }
        : { check: 'gateway', status: 'fail', detail: `${base}/readyz answered ${r.status}: ${body.slice(0, 200)}` };
    const line = await probeHttp10(host, config.server.port).catch(() => null);
    const http10: Finding =
      line === null
        ? {
            check: 'gateway HTTP/1.0',
            status: 'warn',
            detail: `an HTTP/1.0 request got no answer in ${PROBE_TIMEOUT_MS / 1000} s: the gateway ignores HTTP/1.0, so clients and front proxies must speak HTTP/1.1 to it (nginx: proxy_http_version 1.1;)`,
          }
        : { check: 'gateway HTTP/1.0', status: 'ok', detail: `an HTTP/1.0 request is answered (${line})` };
    return [first, http10];
  } catch (e) {
    return [
      {
        check: 'gateway',
        status: 'warn',
        detail: `nothing answers at ${base} (${(e as Error).message}): the gateway is not running here (start it with \`pnpm start\`, or check server.host / server.port)`,
      },
    ];
  }
}
