// Helpers of the upstream-account tests: accounts as config tables, a stream read to its end.
import { chatBody } from './harness.js';
import { post } from './util.js';

export interface AccountSpec {
  name: string;
  api_key: string;
  base_url?: string;
  max_concurrency?: number;
  weight?: number;
  models?: string[];
  low_balance?: number;
}

/** The [deepseek] section with these accounts (no single key: the accounts are the keys). */
export function deepseekWith(accounts: AccountSpec[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { api_key: '', accounts, ...extra };
}

export interface Answer {
  status: number;
  body: string;
  code: string | null;
  retryAfter: string | null;
  /** a stream that ended with data: [DONE] */
  done: boolean;
}

/** One completion, read to its end. */
export async function complete(url: string, token: string, o: Record<string, unknown> = {}): Promise<Answer> {
  const r = await post(`${url}/v1/chat/completions`, token, chatBody(o));
  const body = await r.text();
  let code: string | null = null;
  if (r.status !== 200) {
    try {
      code = (JSON.parse(body) as { error?: { code?: string } }).error?.code ?? null;
    } catch {
      /* not JSON: code stays null and the assertion shows the body */
    }
  }
  return { status: r.status, body, code, retryAfter: r.headers.get('retry-after'), done: body.includes('data: [DONE]') };
}
