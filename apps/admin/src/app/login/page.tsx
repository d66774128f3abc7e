// The sign-in page (public). A valid session goes straight on to the console. Shows the single
// sign-on button when [admin.oidc] is set, the password form unless local passwords are off, and
// why the last single sign-on was refused (?sso_error=<code>).
import { redirect } from 'next/navigation';
import { safeNext } from '@/lib/constants';
import { currentOperator } from '@/server/auth';
import { LoginForm } from '@/components/LoginForm';
import { isSsoErrorCode } from '@/i18n/sso-messages';
import { localPasswordsAllowed, oidcSettings } from '@/server/oidc';

export const dynamic = 'force-dynamic';

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const sp = await searchParams;
  const next = safeNext(typeof sp.next === 'string' ? sp.next : null);
  if (await currentOperator()) redirect(next);
  const ssoError = typeof sp.sso_error === 'string' && isSsoErrorCode(sp.sso_error) ? sp.sso_error : null;
  return <LoginForm next={next} sso={oidcSettings() !== null} local={localPasswordsAllowed()} ssoError={ssoError} />;
}
