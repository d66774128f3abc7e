import { redirect } from 'next/navigation';
import { requireOperator } from '@/server/auth';

export const dynamic = 'force-dynamic';

export default async function Home() {
  await requireOperator('/dashboard');
  redirect('/dashboard');
}
