#!/usr/bin/env node
// The floor under the gateway: the same uWebSockets.js build and undici the gateway uses, wired as
// a bare reverse proxy — no auth, no Redis, no recording, no metrics. Non-stream answers are
// buffered and sent with a length (as the gateway does); event streams are forwarded chunk by chunk.
//   node bench/bare-proxy.mjs --port N --upstream http://127.0.0.1:M
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const arg = (name) => process.argv[process.argv.indexOf(`--${name}`) + 1];
const port = Number(arg('port'));
const upstream = new URL(arg('upstream'));
const requireFromGateway = createRequire(join(REPO, 'apps/gateway/package.json'));
const uws = requireFromGateway(`uWebSockets.js/binaries/uws_${process.platform}_${process.arch}_${process.versions.modules}.node`);
const pool = new Pool(upstream.origin, { connections: null, pipelining: 1, keepAliveTimeout: 90_000 });

class Call {
  constructor(res) {
    this.res = res;
    this.aborted = false;
    this.controller = null;
    this.stream = false;
    this.status = 502;
    this.contentType = 'application/json';
    this.parts = [];
  }
  onRequestStart(controller) {
    this.controller = controller;
  }
  onResponseStart(_c, status, headers) {
    this.status = status;
    this.contentType = headers['content-type'] ?? 'application/json';
    this.stream = this.contentType.startsWith('text/event-stream');
    if (this.stream && !this.aborted) this.res.cork(() => this.res.writeStatus(String(status)).writeHeader('content-type', this.contentType));
  }
  onResponseData(_c, chunk) {
    if (this.aborted) return;
    if (this.stream) this.res.cork(() => this.res.write(chunk));
    else this.parts.push(chunk);
  }
  onResponseEnd() {
    if (this.aborted) return;
    if (this.stream) this.res.cork(() => this.res.end());
    else {
      const body = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
      this.res.cork(() => this.res.writeStatus(String(this.status)).writeHeader('content-type', this.contentType).end(body));
    }
  }
  onResponseError() {
    if (!this.aborted) this.res.cork(() => this.res.writeStatus('502').end());
  }
}

uws
  .App()
  .any('/*', (res, req) => {
    const method = req.getMethod().toUpperCase();
    const q = req.getQuery();
    const path = upstream.pathname.replace(/\/+$/, '') + req.getUrl() + (q ? `?${q}` : '');
    const call = new Call(res);
    res.onAborted(() => {
      call.aborted = true;
      call.controller?.abort(new Error('client went away'));
    });
    const send = (body) => pool.dispatch({ origin: upstream.origin, path, method, headers: ['content-type', 'application/json'], body }, call);
    if (method === 'GET' || method === 'HEAD') return send(null);
    const parts = [];
    res.onData((ab, last) => {
      if (ab.byteLength) parts.push(Buffer.from(ab.slice(0)));
      if (last) send(parts.length === 1 ? parts[0] : Buffer.concat(parts));
    });
  })
  .listen('127.0.0.1', port, (s) => {
    if (!s) {
      console.error(`bare-proxy: cannot listen on ${port}`);
      process.exit(1);
    }
    console.log(`bare-proxy listening on http://127.0.0.1:${port}`);
  });
process.on('SIGTERM', () => process.exit(0));
