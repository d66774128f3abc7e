// Cross-site request check for every state-changing request (CSRF): the browser's Origin must be
// this console's own host. Used by the proxy and again by each route handler.

export const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function firstValue(v: string | null): string | null {
  if (!v) return null;
  const first = v.split(',')[0]?.trim();
  return first ? first.toLowerCase() : null;
}

/**
 * True when the request comes from a page of this console: `Origin` (sent by every browser on a
 * non-GET request) names the host the request was sent to. A request without Origin is accepted
 * only when the browser marks it `Sec-Fetch-Site: same-origin`; anything else is refused.
 */
export function isSameOrigin(headers: Headers): boolean {
  const host = firstValue(headers.get('x-forwarded-host')) ?? firstValue(headers.get('host'));
  if (!host) return false;
  const origin = headers.get('origin');
  if (origin) {
    if (origin === 'null') return false;
    try {
      return new URL(origin).host.toLowerCase() === host;
    } catch {
      return false;
    }
  }
  const site = headers.get('sec-fetch-site');
  return site === 'same-origin';
}

export function needsOriginCheck(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}
