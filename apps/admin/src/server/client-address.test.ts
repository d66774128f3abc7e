import { describe, expect, it } from 'vitest';
import { clientAddress, normaliseAddress } from './client-address';

const h = (peer: string | null, xff?: string) => {
  const headers = new Headers();
  if (peer !== null) headers.set('x-dsp-peer', peer);
  if (xff !== undefined) headers.set('x-forwarded-for', xff);
  return headers;
};

describe('clientAddress', () => {
  it('is the TCP peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(clientAddress(h('203.0.113.7', '10.9.9.9'), [])).toBe('203.0.113.7');
    expect(clientAddress(h('::ffff:127.0.0.1', '1.2.3.4'), [])).toBe('127.0.0.1');
    expect(clientAddress(h('198.51.100.1', '1.2.3.4'), ['10.0.0.0/8'])).toBe('198.51.100.1');
  });

  it('reads X-Forwarded-For from the right, past trusted hops, when the peer is a trusted proxy', () => {
    const trusted = ['10.0.0.0/8', '192.0.2.1'];
    expect(clientAddress(h('10.0.0.5', '203.0.113.9'), trusted)).toBe('203.0.113.9');
    // a client-sent entry on the left cannot win: the proxy appended the real one on the right
    expect(clientAddress(h('10.0.0.5', '1.1.1.1, 203.0.113.9'), trusted)).toBe('203.0.113.9');
    expect(clientAddress(h('10.0.0.5', '203.0.113.9, 192.0.2.1'), trusted)).toBe('203.0.113.9');
    // every hop trusted: the leftmost
    expect(clientAddress(h('10.0.0.5', '10.1.1.1, 10.2.2.2'), trusted)).toBe('10.1.1.1');
    // no header: the proxy itself
    expect(clientAddress(h('10.0.0.5'), trusted)).toBe('10.0.0.5');
    // garbage next to the proxy: the proxy; garbage further left: the last address vouched for
    expect(clientAddress(h('10.0.0.5', 'not-an-ip'), trusted)).toBe('10.0.0.5');
    expect(clientAddress(h('10.0.0.5', 'junk, 10.3.3.3'), trusted)).toBe('10.3.3.3');
  });

  it('IPv6 proxies and ranges', () => {
    expect(clientAddress(h('fd00::1', '2001:db8::7'), ['fd00::/8'])).toBe('2001:db8::7');
    expect(clientAddress(h('::1', '2001:db8::7'), ['::1'])).toBe('2001:db8::7');
  });

  it("is 'unknown' without a peer (a server started without the preload)", () => {
    expect(clientAddress(h(null, '1.2.3.4'), ['0.0.0.0/0'])).toBe('unknown');
  });

  it('normalises addresses', () => {
    expect(normaliseAddress(' ::FFFF:10.0.0.1 ')).toBe('10.0.0.1');
    expect(normaliseAddress('2001:DB8::1')).toBe('2001:db8::1');
    expect(normaliseAddress('10.0.0.1:443')).toBe('');
  });
});
