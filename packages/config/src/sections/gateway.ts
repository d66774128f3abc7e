// The [server] and [limits] sections: the gateway's listener, per-token concurrency and the Redis safety valves.
import { text, integer, number, oneOf, section } from '../schema-builders.js';

export const serverSection = section('The public HTTP listener of the gateway workers.', {
  host: text('0.0.0.0', 'Address the gateway workers listen on.', {
    required: true,
    label: 'host name or IP address',
  }),
  port: integer(8877, 'TCP port of the OpenAI-compatible API; all workers share it.', {
    min: 1,
    max: 65535,
  }),
  workers: integer(0, 'Number of HTTP worker processes; 0 = one per CPU core.', { min: 0 }),
  max_body_bytes: integer(1048576, 'Largest accepted request body in bytes; bigger bodies get 413 `request_too_large`.', { min: 1 }),
  max_header_bytes: integer(
    16384,
    'Largest accepted header block in bytes; bigger ones get 431 `headers_too_large` and the connection is closed. The bundled uWS build resets connections whose headers pass ~72 KB before the gateway sees them, so at most 65536.',
    { min: 1024, max: 65536 },
  ),
  shutdown_grace_seconds: number(30, 'On SIGTERM, how long in-flight requests may run before the workers are stopped.'),
  instance_id: text('', 'Identifies this gateway host (e.g. for its usage outbox); empty = `<hostname>:<port>`.'),
});

export const limitsSection = section('Per-token concurrency and the Redis safety valves.', {
  token_concurrency: integer(1, 'In-flight requests allowed per token unless its `dsp.concurrency` claim says otherwise.', { min: 1 }),
  lock_lease_seconds: number(30, "Lease of a concurrency slot; renewed while a stream runs, so a dead worker's slot expires."),
  on_redis_error: oneOf(['reject', 'allow'], 'reject', 'When Redis is unreachable: "reject" answers 503, "allow" serves without quota and lock.'),
  redis_timeout_ms: integer(1000, 'Deadline of every hot-path Redis call, in milliseconds.', {
    min: 1,
  }),
  upstream_wait_ms: integer(
    0,
    'When every upstream account is at its `max_concurrency`: 0 = answer 429 `upstream_capacity` at once, else wait up to this long for a slot.',
    { min: 0, max: 600000 },
  ),
});
