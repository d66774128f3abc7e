import { describe, expect, it } from 'vitest';
import { RespError, RespReader, encodeCommand, type RespValue } from './resp.js';

const bytes = Buffer.from(
  [
    ':1',
    ':-42',
    '+OK',
    '-NOSCRIPT No matching script',
    `$${Buffer.byteLength('héllo')}`,
    'héllo',
    '$-1',
    '*3',
    ':1',
    ':250000',
    ':1',
    '*2',
    '*1',
    '$0',
    '',
    ':7',
    '*-1',
    '',
  ].join('\r\n'),
);
const expected: RespValue[] = [1, -42, 'OK', new RespError('NOSCRIPT No matching script'), 'héllo', null, [1, 250000, 1], [[''], 7], null];

describe('RespReader', () => {
  it('reads every reply type in order', () => {
    const got: RespValue[] = [];
    new RespReader((v) => got.push(v)).push(bytes);
    expect(got).toEqual(expected);
    expect((got[3] as RespError).message).toBe('NOSCRIPT No matching script');
  });

  it('gives the same replies however the bytes are split into chunks', () => {
    for (let cut = 1; cut < bytes.length; cut++) {
      const got: RespValue[] = [];
      const r = new RespReader((v) => got.push(v));
      r.push(bytes.subarray(0, cut));
      r.push(bytes.subarray(cut));
      expect(got).toEqual(expected);
    }
    // one byte at a time
    const got: RespValue[] = [];
    const r = new RespReader((v) => got.push(v));
    for (let i = 0; i < bytes.length; i++) r.push(bytes.subarray(i, i + 1));
    expect(got).toEqual(expected);
  });

  it('refuses a byte that starts no RESP type', () => {
    expect(() => new RespReader(() => {}).push(Buffer.from('?what\r\n'))).toThrow(/unexpected RESP type/);
  });
});

describe('encodeCommand', () => {
  it('encodes parts as bulk strings with byte lengths (not character counts)', () => {
    expect(encodeCommand(['EVALSHA', 'abc', 2, 'k€y'])).toBe('*4\r\n$7\r\nEVALSHA\r\n$3\r\nabc\r\n$1\r\n2\r\n$5\r\nk€y\r\n');
  });
});
