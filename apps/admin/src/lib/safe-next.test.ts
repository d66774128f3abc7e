import { describe, expect, it } from 'vitest';
import { safeNext } from './constants';

describe('safeNext: where the console goes after sign-in', () => {
  it('keeps a path of this console, with its query and fragment', () => {
    expect(safeNext('/users')).toBe('/users');
    expect(safeNext('/users/alice?tab=tokens#t1')).toBe('/users/alice?tab=tokens#t1');
    expect(safeNext('/usage?from=2026-12-01&to=2026-12-02')).toBe('/usage?from=2026-12-01&to=2026-12-02');
  });

  it('refuses anything a browser would resolve to another origin', () => {
    for (const next of [
      '//evil.example',
      '/\\evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      '/\r\n/evil.example',
      '\\\\evil.example',
      'https://evil.example/',
      'javascript:alert(1)',
      ' /users',
      '/%09/evil.example'.replace('%09', '\t'),
    ]) {
      expect(safeNext(next), JSON.stringify(next)).toBe('/dashboard');
    }
  });

  it('ignores control characters and unparsable input, never throws', () => {
    for (const next of ['/users\u0000', '/a\u001fb', '/\u007f', '', null, undefined, 'users', '/login', '/login?next=/x', '/api/users']) {
      expect(safeNext(next as string), JSON.stringify(next)).toBe('/dashboard');
    }
  });

  it('normalises dot segments and percent-encodes what it keeps', () => {
    expect(safeNext('/users/../audit')).toBe('/audit');
    expect(safeNext('/users/a b')).toBe('/users/a%20b');
    expect(safeNext('/./login')).toBe('/dashboard');
  });
});
