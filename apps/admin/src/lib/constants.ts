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
export const PUBLIC_API = ['/api/auth/login'] as const;

/** The console's pages, for the navigation menu (and the tests that walk them). */
export const NAV = [
  { key: 'dashboard', href: '/dashboard' },
  { key: 'users', href: '/users' },
  { key: 'tokens', href: '/tokens' },
  { key: 'usage', href: '/usage' },
  { key: 'audit', href: '/audit' },
] as const;

/** A safe post-login destination: a local absolute path, never another origin. */
export function safeNext(next: string | null | undefined): string {
  if (!next || typeof next !== 'string') return '/dashboard';
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/dashboard';
  if (next.startsWith('/login') || next.startsWith('/api/')) return '/dashboard';
  return next;
}
