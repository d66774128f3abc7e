import { describe, expect, it } from 'vitest';
import { maskKey } from './mask.js';

describe('maskKey', () => {
  it('shows the prefix and the last four characters only', () => {
    expect(maskKey('sk-0123456789abcdef')).toBe('sk-…cdef');
    expect(maskKey('  sk-0123456789abcdef\n')).toBe('sk-…cdef');
    expect(maskKey('0123456789abcdef')).toBe('…cdef');
  });
  it('hides short keys entirely', () => {
    expect(maskKey('sk-short')).toBe('…');
    expect(maskKey('')).toBe('…');
  });
});
