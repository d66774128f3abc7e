// The sign-in page (public). A valid session goes straight on to the console.
import { redirect } from 'next/navigation';
import { safeNext } from '@/lib/constants';
import { currentOperator } from '@/server/auth';
import { LoginForm } from '@/components/LoginForm';

export const dynamic = 'force-dynamic';

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const sp = await searchParams;
  const next = safeNext(typeof sp.next === 'string' ? sp.next : null);
  if (await currentOperator()) redirect(next);
  return <LoginForm next={next} />;
}
