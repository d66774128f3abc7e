// Upstream error bodies that name the gateway's own DeepSeek key — whole, in part, or masked with
// its visible end (`sk-****…a1b2`) — are rewritten before a client sees them: same status, same
// error type, a message that says the details were withheld. The original is for the log only.

/** shortest stretch of the key that counts as the key when it appears unmasked */
const MIN_PLAIN = 8;
/** shortest visible piece next to a mask (`****a1b2`) that counts as the key's */
const MIN_BESIDE_MASK = 4;
const MASKED = /([A-Za-z0-9_-]*)(?:\*{3,}|•{3,}|\.{3}|…)([A-Za-z0-9_-]*)/g;

/** True when `text` shows any part of one of `keys` (see the rules above). */
export function namesKey(text: string, keys: readonly string[]): boolean {
  for (const key of keys) {
    if (key.length < MIN_PLAIN) continue;
    if (text.includes(key)) return true;
    // the secret part (after `sk-`), in any stretch of MIN_PLAIN characters
    const secret = key.replace(/^sk-/, '');
    for (let i = 0; i + MIN_PLAIN <= secret.length; i++) if (text.includes(secret.slice(i, i + MIN_PLAIN))) return true;
    for (const m of text.matchAll(MASKED)) {
      const before = m[1]!.replace(/^sk-/, '');
      const after = m[2]!;
      if (before.length >= MIN_BESIDE_MASK && secret.startsWith(before.slice(-secret.length))) return true;
      if (after.length >= MIN_BESIDE_MASK && secret.endsWith(after)) return true;
    }
  }
  return false;
}

export const WITHHELD = 'the upstream refused the request; its message named the gateway\u2019s upstream credentials and was withheld (see the gateway log)';

/**
 * The body to send instead of `body` when it names a key, else null. JSON error bodies keep their
 * shape, OpenAI's or Anthropic's (`error.type` and `error.code` kept, `error.message` replaced);
 * anything else becomes an OpenAI-shaped error.
 */
export function scrubbedBody(body: string, keys: readonly string[]): string | null {
  if (!namesKey(body, keys)) return null;
  let type = 'upstream_error';
  let code: unknown = null;
  let anthropic = false;
  try {
    const j = JSON.parse(body) as { type?: unknown; error?: { type?: unknown; code?: unknown } };
    anthropic = j.type === 'error';
    if (typeof j.error?.type === 'string' && !namesKey(j.error.type, keys)) type = j.error.type;
    if ((typeof j.error?.code === 'string' && !namesKey(j.error.code, keys)) || typeof j.error?.code === 'number') code = j.error.code;
  } catch {
    /* not JSON: the OpenAI shape below */
  }
  // Anthropic's shape (/anthropic) stays Anthropic's, for its SDKs
  if (anthropic) return JSON.stringify({ type: 'error', error: { type: type === 'upstream_error' ? 'api_error' : type, message: WITHHELD } });
  return JSON.stringify({ error: { message: WITHHELD, type, code } });
}
