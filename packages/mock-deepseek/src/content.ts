// Deterministic answer text, token counts and pre-encoded JSON fragments.

/** Words of the answer; chunk i of a stream carries word i (cycling, with a leading space after the first round). */
const CONTENT_BASE = ['Hello', ' from', ' the', ' mock', ' DeepSeek', ' API', ' server', '.'];
const REASONING_BASE = ['Let', ' me', ' think', ' about', ' this', ' request', ' carefully', '.'];
const FIM_BASE = ['    ', 'return', ' mock', '(', 'value', ')', ';', '\n'];

function cycle(base: readonly string[], restartPrefix: string): (i: number) => string {
  const first = base.slice();
  const later = base.slice();
  if (restartPrefix && !later[0]!.startsWith(' ')) later[0] = restartPrefix + later[0]!;
  return (i) => (i < base.length ? first[i]! : later[i % base.length]!);
}

export const contentWord = cycle(CONTENT_BASE, ' ');
export const reasoningWord = cycle(REASONING_BASE, ' ');
export const fimWord = cycle(FIM_BASE, '');

/** JSON-encoded single words (cached). */
function jsonWordCache(word: (i: number) => string): (i: number) => string {
  const period = 16; // words repeat after the first round, so a small cache covers every index
  const cache: string[] = [];
  for (let i = 0; i < period; i++) cache.push(JSON.stringify(word(i)));
  return (i) => (i < period ? cache[i]! : cache[8 + ((i - 8) % 8)]!);
}

export const contentWordJson = jsonWordCache(contentWord);
export const reasoningWordJson = jsonWordCache(reasoningWord);
export const fimWordJson = jsonWordCache(fimWord);

/** JSON-encoded concatenation of the first n words (cached for small n). */
function jsonTextCache(word: (i: number) => string): (n: number) => string {
  const cache = new Map<number, string>();
  return (n) => {
    let s = cache.get(n);
    if (s === undefined) {
      let text = '';
      for (let i = 0; i < n; i++) text += word(i);
      s = JSON.stringify(text);
      if (cache.size < 4096) cache.set(n, s);
    }
    return s;
  };
}

export const contentTextJson = jsonTextCache(contentWord);
export const reasoningTextJson = jsonTextCache(reasoningWord);
export const fimTextJson = jsonTextCache(fimWord);

/** Plain text of the first n words (used by tests and callers that want the expected answer). */
export function expectedText(kind: 'content' | 'reasoning' | 'fim', n: number): string {
  const w = kind === 'content' ? contentWord : kind === 'reasoning' ? reasoningWord : fimWord;
  let s = '';
  for (let i = 0; i < n; i++) s += w(i);
  return s;
}

function textLength(content: unknown): number {
  if (typeof content === 'string') return content.length;
  if (Array.isArray(content)) {
    let n = 0;
    for (const part of content) {
      if (part !== null && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string') {
        n += (part as { text: string }).text.length;
      }
    }
    return n;
  }
  return 0;
}

/** prompt_tokens of a chat request: 4 per message plus ceil(characters / 4). */
export function chatPromptTokens(messages: readonly unknown[]): number {
  let chars = 0;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (m !== null && typeof m === 'object') chars += textLength((m as { content?: unknown }).content);
  }
  return messages.length * 4 + Math.ceil(chars / 4);
}

/** prompt_tokens of a FIM request: 4 plus ceil((prompt + suffix characters) / 4). */
export function fimPromptTokens(prompt: string, suffix: string): number {
  return 4 + Math.ceil((prompt.length + suffix.length) / 4);
}

/** Cache hits come in 64-token blocks: one block per full 128 prompt tokens (so small prompts have none). */
export function cacheHitTokens(promptTokens: number): number {
  return Math.floor(promptTokens / 128) * 64;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_cache_hit_tokens: number;
  prompt_cache_miss_tokens: number;
  reasoning_tokens: number;
}

export function makeUsage(prompt: number, reasoning: number, content: number): Usage {
  const hit = cacheHitTokens(prompt);
  const completion = reasoning + content;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_cache_hit_tokens: hit,
    prompt_cache_miss_tokens: prompt - hit,
    reasoning_tokens: reasoning,
  };
}

/** DeepSeek's usage object, JSON-encoded. */
export function usageJson(u: Usage): string {
  return (
    '{"prompt_tokens":' +
    u.prompt_tokens +
    ',"completion_tokens":' +
    u.completion_tokens +
    ',"total_tokens":' +
    u.total_tokens +
    ',"prompt_tokens_details":{"cached_tokens":' +
    u.prompt_cache_hit_tokens +
    '},"completion_tokens_details":{"reasoning_tokens":' +
    u.reasoning_tokens +
    '},"prompt_cache_hit_tokens":' +
    u.prompt_cache_hit_tokens +
    ',"prompt_cache_miss_tokens":' +
    u.prompt_cache_miss_tokens +
    '}'
  );
}

export const SYSTEM_FINGERPRINT = 'fp_mock0000_prod0820fp8';

export const BALANCE_JSON = JSON.stringify({
  is_available: true,
  balance_infos: [{ currency: 'CNY', total_balance: '110.00', granted_balance: '10.00', topped_up_balance: '100.00' }],
});
