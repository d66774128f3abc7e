// The [metrics], [tracing], [log] and [usage] sections: what the gateway tells operators, and the usage events.
import { z } from 'zod';
import { leaf, text, integer, number, flag, oneOf, section } from '../schema-builders.js';
import { httpUrl, LOG_LEVELS } from '../value-checks.js';

export const metricsSection = section('Prometheus metrics, served by the gateway primary at `/metrics`.', {
  host: text('127.0.0.1', 'Address of the metrics listener; loopback by default, so exposing the metrics is a deliberate choice.', {
    required: true,
    label: 'host name or IP address',
  }),
  port: integer(9464, 'Port of the metrics listener; 0 = disabled.', { min: 0, max: 65535 }),
  bearer_token: text('', 'When set, `/metrics` answers only requests with `Authorization: Bearer <token>` (401 otherwise).', { secret: true }),
  bearer_token_file: text('', 'File holding the bearer token (trimmed); when set, its content replaces `bearer_token`.', {
    path: 'file',
    contentOf: 'metrics.bearer_token',
  }),
  pool_log_interval_seconds: number(60, 'Interval of the pool status log line (active, idle, reuse rate); 0 = off.', { allowZero: true }),
  history_interval_seconds: number(
    60,
    "How often each gateway host adds what it served to the console's 24-hour dashboard history in Redis (one hash per minute, kept 25 h); 0 = off.",
    { allowZero: true },
  ),
});

export const tracingSection = section(
  'OpenTelemetry traces of gateway requests, exported over OTLP/HTTP (JSON). Off while `otlp_endpoint` is empty, and then the SDK is not even loaded.',
  {
    otlp_endpoint: text(
      '',
      'OTLP/HTTP endpoint of a collector (e.g. `http://127.0.0.1:4318`); spans go to `<endpoint>/v1/traces` unless the URL already ends so. Empty = no tracing.',
      {
        label: 'empty or http(s) URL',
        check: (v) => v === '' || httpUrl(v),
      },
    ),
    sample_ratio: leaf(z.number().min(0).max(1).default(1), {
      kind: 'number',
      label: 'number 0..1',
      description: "Fraction of new traces recorded (by trace id); a request with a client's `traceparent` follows that parent's sampled flag.",
    }),
    service_name: text('deepseek-proxy-gateway', 'The `service.name` of the spans.', { required: true }),
  },
);

export const logSection = section('Structured JSON logs (pino).', {
  level: oneOf(LOG_LEVELS, 'info', 'Lowest level written.'),
  pretty: flag(false, 'Human-readable log lines instead of JSON (for development only).'),
});

export const usageSection = section('Usage events: gateway buffer, BullMQ queue and the Postgres recorder.', {
  flush_interval_ms: integer(100, "How often the primary moves the workers' usage outboxes to the queue.", { min: 1 }),
  batch_size: integer(500, 'Most usage events per queue job (one outbox batch).', { min: 1 }),
  buffer_max_events: integer(10000, 'Events a worker buffers while the queue is unreachable; beyond this they are dropped (and counted).', { min: 1 }),
  recorder: flag(true, 'The gateway primary forks the usage recorder.'),
  recorder_batch_size: integer(500, 'Most events the recorder writes to Postgres at once.', {
    min: 1,
  }),
});
