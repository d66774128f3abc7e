import { describe, expect, it } from 'vitest';
import { endUserId, upstreamUserId } from './upstream-user.js';

describe('upstream user ids', () => {
  it('are stable, opaque and in the characters DeepSeek accepts', () => {
    const a = upstreamUserId('iss', 'alice');
    expect(a).toBe(upstreamUserId('iss', 'alice'));
    expect(a).not.toBe(upstreamUserId('iss', 'bob'));
    expect(a).not.toBe(upstreamUserId('other', 'alice'));
    const e = endUserId(a, 'carol@example.com');
    expect(e).toBe(endUserId(a, 'carol@example.com'));
    expect(e).toMatch(/^dsp_[A-Za-z0-9_-]{32}_[A-Za-z0-9_-]{16}$/);
    expect(e).not.toContain('carol');
    // the same end-user name under two gateway users is two users upstream
    expect(endUserId(upstreamUserId('iss', 'bob'), 'carol@example.com').endsWith(e.slice(-16))).toBe(false);
    expect(endUserId(a, 'x'.repeat(100_000))).toHaveLength(53);
  });
});
