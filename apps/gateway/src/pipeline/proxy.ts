// proxy + stream: send the request upstream over the worker's pool and stream the answer back as
// it arrives. Backpressure: when the client cannot take more, the upstream read is paused until
// its socket drains. Resolves with the outcome once everything but the final byte is written
// (the finish stage makes the usage event durable before the response ends).
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import { GatewayError, ZERO_USAGE, type UsageCounts } from '@dsp/core';
import { mapUpstreamError } from '../upstream/upstream-errors.js';
import { failureOfError, failureOfStatus } from '../accounts/classify.js';
import { scrubbedBody } from '../upstream/key-scrub.js';
import type { UpstreamPool } from '../upstream/pool.js';
import type { StreamUsageReader } from '../formats/api-format.js';
import type { Deps } from '../deps.js';
import type { Exchange } from './exchange.js';
import type { CompletionRoute, Lease, Outcome, ParsedRequest } from './types.js';
import type { AttemptTrace } from '../tracing/tracing.js';

export type ProxyServices = Pick<Deps, 'config' | 'metrics' | 'log' | 'accounts'>;

/** Response headers worth passing on from DeepSeek besides content-type (lower-case, as undici gives them). */
const PASS_HEADERS = new Set(['x-ds-trace-id', 'x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests', 'retry-after']);
/** a non-stream answer larger than this is refused rather than buffered */
const MAX_BUFFERED_BODY = 32 << 20;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** One attempt on the lease's account. */
export function proxy(x: Exchange, route: CompletionRoute, up: ParsedRequest, lease: Lease, deps: ProxyServices): Promise<Outcome> {
  return new Promise((resolve) => new UpstreamCall(x, route, up, lease, deps, resolve).start());
}

type Settled = Partial<Outcome> & { status: number; usage: UsageCounts };

class UpstreamCall implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  private dispatchedAt = 0;
  private firstByteMs: number | null = null;
  private status = 0;
  private contentType = 'application/json';
  private passed: [string, string][] = [];
  private chunks: Buffer[] = [];
  private size = 0;
  private sse: StreamUsageReader | null = null;
  private paused = false;
  private done = false;
  /** the gateway's own deadline: undici's timers tick at ~0.5 s, too coarse for a 1-2 s setting */
  private deadline: NodeJS.Timeout | null = null;
  /** the deadline above fired (the abort reason is ours, not undici's) */
  private timedOut = false;
  private gotHeaders = false;
  /** the account's pool this attempt goes through */
  private readonly upstream: UpstreamPool;
  /** this attempt's span when the request is traced */
  private readonly trace: AttemptTrace | null;
  /** removes this attempt's listener for the client going away */
  private stopWatching: (() => void) | null = null;

  constructor(
    private readonly x: Exchange,
    private readonly route: CompletionRoute,
    private readonly up: ParsedRequest,
    private readonly lease: Lease,
    private readonly deps: ProxyServices,
    private readonly resolve: (o: Outcome) => void,
  ) {
    this.upstream = lease.account.pool;
    this.trace = x.trace?.attempt(lease.account.name) ?? null;
  }

  start(): void {
    const { deps } = this;
    const hc = deps.config.deepseek.http_client;
    const { format } = this.route;
    const head = this.x.head;
    const headers = [...format.accountHeaders(this.lease.account), 'x-request-id', head.requestId];
    // forwarded only when valid: a control byte would make undici refuse the whole request
    if (head.accept && HEADER_VALUE.test(head.accept)) headers.push('accept', head.accept);
    if (head.userAgent && HEADER_VALUE.test(head.userAgent)) headers.push('user-agent', head.userAgent);
    for (const name of format.forward) {
      const v = head.extra[name];
      if (v && HEADER_VALUE.test(v)) headers.push(name, v);
    }
    if (this.trace) headers.push(...this.trace.headers);
    this.stopWatching = this.x.client.onAbort(() => this.controller?.abort(new Error('client went away')));
    // timeout_seconds: until the headers (streams), or the whole request (non-stream)
    const message = this.up.stream ? 'the upstream did not start answering in time' : 'the upstream did not answer in time';
    this.deadline = setTimeout(() => this.timeout(message), hc.timeout_seconds * 1000);
    this.upstream.connectTimes?.watch(this.x.head.requestId, this.x);
    this.dispatchedAt = performance.now();
    deps.metrics.upstreamRequests.inc();
    this.upstream.pool.dispatch(
      {
        origin: this.upstream.origin,
        path: this.upstream.basePath + this.route.upstreamPath,
        method: 'POST',
        headers,
        body: this.up.body,
        bodyTimeout: (this.up.stream ? hc.stream_timeout_seconds : hc.timeout_seconds) * 1000,
      },
      this,
    );
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.x.client.aborted) controller.abort(new Error('client went away'));
  }

  onResponseStart(controller: Dispatcher.DispatchController, status: number, headers: Record<string, string | string[] | undefined>): void {
    this.gotHeaders = true;
    this.firstByteMs = performance.now() - this.dispatchedAt;
    this.deps.metrics.firstByteDuration.observe(this.firstByteMs / 1000);
    this.trace?.firstByte(status);
    this.status = status;
    const ct = headers['content-type'];
    if (typeof ct === 'string') this.contentType = ct;
    for (const k in headers) {
      const v = headers[k];
      if (typeof v === 'string' && PASS_HEADERS.has(k)) this.passed.push([k, v]);
    }
    if (this.x.client.aborted) return controller.abort(new Error('client went away'));
    if (status === 200 && this.up.stream && this.contentType.startsWith('text/event-stream')) {
      this.sse = this.route.format.streamReader(this.up.clientWantsUsage);
      // committed to a 200 stream; the head goes out with the first chunk when that arrives in the
      // same read (one write instead of two), else at the end of this turn of the event loop
      this.x.client.beginStream(this.contentType, [['cache-control', 'no-cache'], ...this.passed]);
      setImmediate(() => this.x.client.flushHead());
      this.armSilence();
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.sse) {
      this.deadline?.refresh();
      this.trace?.observe(chunk);
      return this.forward(controller, this.sse.push(chunk));
    }
    this.size += chunk.length;
    if (this.size > MAX_BUFFERED_BODY) return controller.abort(new GatewayError('upstream_unreachable', 'the upstream answer is too large'));
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.sse) {
      return this.settle({ status: 200, usage: this.sse.counts(), streamed: true, tail: this.sse.flush() });
    }
    let body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    if (this.status !== 200) body = this.withoutKeys(body);
    else this.trace?.observe(body);
    this.settle({
      status: this.status,
      usage: this.status === 200 ? this.route.format.jsonUsage(body) : ZERO_USAGE,
      body,
      failure: failureOfStatus(this.status),
    });
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    if (this.x.client.aborted) return this.settle({ status: 499, aborted: true, streamed: this.sse !== null, usage: this.sse?.counts() ?? ZERO_USAGE });
    const mapped = mapUpstreamError(err);
    const failure = failureOfError(err, this.gotHeaders, this.timedOut);
    if (this.sse) {
      // mid-stream: the client has a 200 already; end its stream cleanly with an error event
      this.x.client.write(this.route.format.streamError(mapped));
      this.deps.log.warn({ rid: this.x.head.requestId, err: err.message }, 'upstream stream ended early');
      return this.settle({ status: 200, streamed: true, usage: this.sse.counts(), error: null, failure });
    }
    this.settle({ status: mapped.status, error: mapped, usage: ZERO_USAGE, failure });
  }

  /** An upstream error body that names an upstream key goes to the log, and a scrubbed one to the client. */
  private withoutKeys(body: Buffer): Buffer {
    const text = body.toString();
    const scrubbed = scrubbedBody(
      text,
      this.deps.accounts.current.list.map((a) => a.config.apiKey),
    );
    if (scrubbed === null) return body;
    this.deps.log.warn(
      { rid: this.x.head.requestId, status: this.status, upstream_body: text.slice(0, 2000) },
      'upstream error named an upstream key; scrubbed',
    );
    this.contentType = 'application/json';
    return Buffer.from(scrubbed);
  }

  private timeout(message: string): void {
    this.timedOut = true;
    this.controller?.abort(new GatewayError('upstream_timeout', message));
  }

  /** From the headers on: stream_timeout_seconds of silence between chunks (each chunk refreshes it). */
  private armSilence(): void {
    if (this.deadline) clearTimeout(this.deadline);
    const ms = this.deps.config.deepseek.http_client.stream_timeout_seconds * 1000;
    this.deadline = setTimeout(() => this.timeout('the upstream went silent'), ms);
  }

  /** Write to the client; pause the upstream until the client drains. */
  private forward(controller: Dispatcher.DispatchController, bytes: Buffer): void {
    const { client } = this.x;
    if (bytes.length === 0 || client.aborted) return;
    if (!client.write(bytes) && !this.paused) {
      this.paused = true;
      controller.pause();
      // a slow client is not a silent upstream: no silence deadline while paused
      if (this.deadline) clearTimeout(this.deadline);
      client.onDrain(() => {
        this.paused = false;
        if (!this.done) {
          this.armSilence();
          controller.resume();
        }
      });
    }
  }

  private settle(o: Settled): void {
    if (this.done) return;
    this.done = true;
    this.x.client.flushHead(); // a stream that ended before any chunk still gets its head before the end
    if (this.deadline) clearTimeout(this.deadline);
    this.stopWatching?.();
    this.upstream.connectTimes?.unwatch(this.x.head.requestId);
    this.trace?.end(o.status, o.failure ? o.failure.kind : o.error ? o.error.code : null);
    this.resolve({
      firstByteMs: this.firstByteMs,
      body: null,
      contentType: this.contentType,
      headers: this.passed,
      streamed: false,
      tail: null,
      error: null,
      aborted: this.x.client.aborted,
      failure: null,
      attempts: 1,
      ...o,
    });
  }
}
