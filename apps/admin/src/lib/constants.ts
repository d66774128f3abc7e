// Names shared by the proxy (request gate), the server and the browser code. No secrets here.

export const SESSION_COOKIE = 'dsp_admin_session';
export const LOCALE_COOKIE = 'dsp_locale';

export const LOCALES = ['en', 'zh'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

export function isLocale(v: unknown): v is Locale {
  return typeof v === 'string' && (LOCALES as readonly string[]).includes(v);
}

/** Paths reachable without a session (everything else needs one). */
export const PUBLIC_PAGES = ['/login'] as const;
export const PUBLIC_API = ['/api/auth/login', '/api/auth/oidc/start', '/api/auth/oidc/callback'] as const;

/** The console's pages, for the navigation menu (and the tests that walk them). */
export const NAV = [
  { key: 'dashboard', href: '/dashboard' },
  { key: 'users', href: '/users' },
  { key: 'tokens', href: '/tokens' },
  { key: 'usage', href: '/usage' },
  { key: 'accounts', href: '/accounts' },
  { key: 'audit', href: '/audit' },
  { key: 'operators', href: '/operators' },
  { key: 'settings', href: '/settings' },
] as const;

const DEFAULT_NEXT = '/dashboard';
/** a stand-in origin: only whether `next` stays on it matters */
const SAME_ORIGIN = 'http://console.invalid';

/**
 * A safe post-login destination: a path of this console, never another origin. `next` is resolved
 * the way a browser would resolve it (`new URL(next, origin)`: tabs and newlines dropped,
 * backslashes read as slashes) and must stay on the same origin; anything with a control
 * character, or that does not parse, falls back to the dashboard.
 */
export function safeNext(next: string | null | undefined): string {
  if (!next || typeof next !== 'string' || !next.startsWith('/')) return DEFAULT_NEXT;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(next)) return DEFAULT_NEXT;
  let url: URL;
  try {
    url = new URL(next, SAME_ORIGIN);
  } catch {
    return DEFAULT_NEXT;
  }
  if (url.origin !== SAME_ORIGIN) return DEFAULT_NEXT;
  const path = url.pathname + url.search + url.hash;
  if (path === '/login' || path.startsWith('/login?') || path.startsWith('/login/') || path.startsWith('/api/')) return DEFAULT_NEXT;
  return path;
}
