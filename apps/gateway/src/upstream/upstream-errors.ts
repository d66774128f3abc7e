// An upstream call that failed before it answered, as the error the client gets.
import { GatewayError, isGatewayError } from '@dsp/core';

/** undici's error codes → the error table (README.md "Error codes"): timeouts 504, anything before an answer 502. */
export function mapUpstreamError(err: Error): GatewayError {
  if (isGatewayError(err)) return err;
  const code = (err as { code?: string }).code;
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new GatewayError('upstream_timeout', 'connecting to the upstream timed out');
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new GatewayError('upstream_timeout', 'the upstream did not start answering in time');
    case 'UND_ERR_BODY_TIMEOUT':
      return new GatewayError('upstream_timeout', 'the upstream went silent');
    default:
      return new GatewayError('upstream_unreachable', 'the upstream could not be reached');
  }
}
