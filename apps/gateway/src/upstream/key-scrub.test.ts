import { describe, expect, it } from 'vitest';
import { WITHHELD, namesKey, scrubbedBody } from './key-scrub.js';

const KEY = 'sk-4f9a2c7e81b34d0f9c6a5e2b7d1f0a3c';

describe('upstream error bodies naming the upstream key', () => {
  it('are recognised whole, in part, and masked with a visible end or start', () => {
    for (const text of [
      `{"error":{"message":"Authentication Fails, Your api key: ${KEY} is invalid"}}`,
      'key 4f9a2c7e81b3 is invalid',
      'Your api key: ****0a3c is invalid',
      'Your api key: sk-****************************0a3c is invalid',
      'api key sk-4f9a...0a3c',
      'api key sk-4f9a2c…',
      'key ••••••d1f0a3c',
    ]) {
      expect(namesKey(text, [KEY]), text).toBe(true);
    }
  });

  it('leave ordinary errors alone', () => {
    for (const text of [
      '{"error":{"message":"Insufficient Balance","type":"unknown_error","code":"invalid_request_error"}}',
      '{"error":{"message":"Rate limit reached for requests ... try again","type":"rate_limit_error"}}',
      'Your api key: ****ffff is invalid',
      'model deepseek-chat is overloaded…',
    ]) {
      expect(namesKey(text, [KEY]), text).toBe(false);
    }
    expect(scrubbedBody('{"error":{"message":"Insufficient Balance"}}', [KEY])).toBeNull();
  });

  it('keep the error type and code, replace the message', () => {
    const body = JSON.stringify({
      error: { message: 'Authentication Fails, Your api key: ****0a3c is invalid', type: 'authentication_error', code: 'invalid_api_key' },
    });
    expect(JSON.parse(scrubbedBody(body, [KEY])!)).toEqual({ error: { message: WITHHELD, type: 'authentication_error', code: 'invalid_api_key' } });
    // not JSON: an OpenAI-shaped error
    expect(JSON.parse(scrubbedBody(`bad key ${KEY}`, [KEY])!)).toEqual({ error: { message: WITHHELD, type: 'upstream_error', code: null } });
    // Anthropic's shape (the /anthropic route) stays Anthropic's
    const anthropic = JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key ${KEY}` } });
    expect(JSON.parse(scrubbedBody(anthropic, [KEY])!)).toEqual({ type: 'error', error: { type: 'authentication_error', message: WITHHELD } });
    // any of several keys (upstream accounts)
    expect(scrubbedBody('key ****0a3c', ['sk-other-key-000000000', KEY])).not.toBeNull();
  });
});
