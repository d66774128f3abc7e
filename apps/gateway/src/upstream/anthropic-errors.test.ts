import { describe, expect, it } from 'vitest';
import { ERRORS, GatewayError, type ErrorCode } from '@dsp/core';
import { anthropicError, anthropicErrorEvent } from './anthropic-errors.js';

const ANTHROPIC_TYPES = [
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
  'rate_limit_error',
  'billing_error', // 402: @anthropic-ai/sdk raises it as PaymentRequiredError
  'api_error',
  'overloaded_error',
];

describe('Anthropic-shaped gateway errors', () => {
  it('every gateway error code has an Anthropic type; the body has exactly that shape', () => {
    for (const code of Object.keys(ERRORS) as ErrorCode[]) {
      const body = JSON.parse(anthropicError(new GatewayError(code, 'why ' + code)));
      expect(Object.keys(body)).toEqual(['type', 'error']);
      expect(body.type).toBe('error');
      expect(ANTHROPIC_TYPES).toContain(body.error.type);
      expect(body.error.message).toBe('why ' + code);
    }
    expect(JSON.parse(anthropicError(new GatewayError('concurrency_limit_exceeded', 'x'))).error.type).toBe('rate_limit_error');
    expect(JSON.parse(anthropicError(new GatewayError('invalid_token', 'x'))).error.type).toBe('authentication_error');
    expect(JSON.parse(anthropicError(new GatewayError('budget_exceeded', 'x'))).error.type).toBe('billing_error');
  });

  it('a broken stream ends with an `event: error` frame', () => {
    expect(anthropicErrorEvent(new GatewayError('upstream_timeout', 'stream went silent')).toString()).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"api_error","message":"stream went silent"}}\n\n',
    );
  });
});
