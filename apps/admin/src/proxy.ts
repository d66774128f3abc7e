// The request gate in front of every page and route handler (Next 16 `proxy`, formerly middleware).
// 1. A state-changing request from another site is refused with 403 (CSRF).
// 2. A request without a session cookie never reaches a page (redirect to /login) or a handler (401).
// The REST API under /api/v1 is exempt from both: it takes an API key in every request instead.
// 3. Every response carries a Content-Security-Policy with a fresh nonce; Next reads the nonce
//    from the request's policy header and puts it on its own inline and chunk scripts.
// The cookie is only checked for presence here; every page and handler resolves the session
// against Postgres itself (src/server/auth.ts), so a forged or expired cookie gets no further.
import { NextResponse, type NextRequest } from 'next/server';
import { PUBLIC_API, PUBLIC_PAGES, SESSION_COOKIE } from './lib/constants';
import { isSameOrigin, needsOriginCheck } from './lib/origin';

/**
 * Scripts only with this response's nonce (and what they load: 'strict-dynamic'). Styles may be
 * inline: Ant Design renders its CSS-in-JS as <style> tags without a nonce.
 */
export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function proxy(req: NextRequest): NextResponse {
  const nonce = btoa(crypto.randomUUID());
  const csp = contentSecurityPolicy(nonce);
  const res = gate(req, csp);
  res.headers.set('Content-Security-Policy', csp);
  return res;
}

function gate(req: NextRequest, csp: string): NextResponse {
  const { pathname, search } = req.nextUrl;
  // the admin REST API authenticates each call by its API key (no cookie, so no CSRF to refuse)
  if (pathname.startsWith('/api/v1/')) return NextResponse.next();
  const isApi = pathname === '/api' || pathname.startsWith('/api/');

  if (needsOriginCheck(req.method) && !isSameOrigin(req.headers)) {
    return NextResponse.json({ error: { code: 'cross_site', message: 'cross-site request refused' } }, { status: 403 });
  }

  const isPublic = isApi ? (PUBLIC_API as readonly string[]).includes(pathname) : (PUBLIC_PAGES as readonly string[]).includes(pathname);
  if (isPublic || req.cookies.get(SESSION_COOKIE)?.value) {
    // tell the pages where they are, so a session found invalid there can come back after sign-in
    const headers = new Headers(req.headers);
    headers.set('x-dsp-path', pathname + search);
    headers.set('Content-Security-Policy', csp);
    return NextResponse.next({ request: { headers } });
  }

  if (isApi) {
    return NextResponse.json({ error: { code: 'unauthenticated', message: 'sign in first' } }, { status: 401 });
  }
  const url = req.nextUrl.clone();
  url.pathname = '/login';
  url.search = '';
  if (pathname !== '/') url.searchParams.set('next', pathname + search);
  return NextResponse.redirect(url);
}

export const config = {
  // everything but the framework's static assets
  matcher: ['/((?!_next/static|_next/image|favicon.ico|icon.svg).*)'],
};
