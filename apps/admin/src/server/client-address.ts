// Who is signing in: the TCP peer (told by scripts/peer-address.mjs as `x-dsp-peer`), or — only
// when that peer is one of `[admin] trusted_proxies` — the client a proxy names in
// X-Forwarded-For. Anyone else's X-Forwarded-For is ignored, so a client cannot pick the address
// it is throttled (and audited) under.
import { BlockList, isIP } from 'node:net';

export const PEER_HEADER = 'x-dsp-peer';

/** `::ffff:10.0.0.1` → `10.0.0.1`; '' for anything that is not an IP address. */
export function normaliseAddress(raw: string | null | undefined): string {
  const v = (raw ?? '').trim().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  return isIP(v) ? v.toLowerCase() : '';
}

const lists = new Map<string, BlockList>();

/** The trusted proxies as a BlockList (built once per distinct setting). */
function trustList(entries: readonly string[]): BlockList {
  const key = entries.join(',');
  let list = lists.get(key);
  if (!list) {
    list = new BlockList();
    for (const e of entries) {
      const [addr, bits] = e.split('/');
      const type = isIP(addr!) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) list.addAddress(normaliseAddress(addr) || addr!, type);
      else list.addSubnet(addr!, Number(bits), type);
    }
    lists.set(key, list);
  }
  return list;
}

function isTrusted(list: BlockList, address: string): boolean {
  return address !== '' && list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/**
 * The client address of a request. Behind trusted proxies, X-Forwarded-For is read from the
 * right (the entry the nearest proxy appended) past every trusted hop; the first other entry is
 * the client. 'unknown' when the peer is not known (a server started without the preload).
 */
export function clientAddress(headers: Headers, trustedProxies: readonly string[]): string {
  const peer = normaliseAddress(headers.get(PEER_HEADER));
  if (!peer) return 'unknown';
  const list = trustList(trustedProxies);
  if (!isTrusted(list, peer)) return peer;
  const hops = (headers.get('x-forwarded-for') ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normaliseAddress(hops[i]);
    // garbage from beyond the trusted hops: stop at the last address we can vouch for
    if (!hop) return i === hops.length - 1 ? peer : normaliseAddress(hops[i + 1]);
    if (!isTrusted(list, hop)) return hop;
  }
  return hops.length ? normaliseAddress(hops[0]) || peer : peer;
}
