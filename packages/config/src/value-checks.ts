// Checks of single string values (URLs, addresses) and the fixed value sets of the schema.
import { isIP } from 'node:net';

function urlWithProtocol(...protocols: string[]) {
  return (value: string): boolean => {
    try {
      const u = new URL(value);
      return protocols.includes(u.protocol) && (u.host !== '' || u.protocol === 'file:');
    } catch {
      return false;
    }
  };
}

/** `10.0.0.1`, `::1`, `10.0.0.0/8`, `fd00::/8`. */
export function isAddressOrCidr(value: string): boolean {
  const [addr, bits, extra] = value.split('/');
  const family = isIP(addr ?? '');
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d{1,3}$/.test(bits) && n <= (family === 4 ? 32 : 128);
}

export const httpUrl = urlWithProtocol('http:', 'https:');

/** https, or http on a loopback address (a provider started by a test or on the same host). */
export function isIssuerUrl(value: string): boolean {
  try {
    const u = new URL(value);
    if (u.search || u.hash) return false;
    if (u.protocol === 'https:') return u.host !== '';
    return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  } catch {
    return false;
  }
}
export const redisUrl = urlWithProtocol('redis:', 'rediss:');
export const postgresUrl = urlWithProtocol('postgres:', 'postgresql:');

export const JWT_ALGORITHMS = ['ES256', 'EdDSA', 'HS256'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const DEFAULT_MODELS = ['deepseek-chat', 'deepseek-reasoner', 'deepseek-v4-flash', 'deepseek-v4-pro'];
/** Account names become metric labels and parts of Redis keys. */
export const ACCOUNT_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
