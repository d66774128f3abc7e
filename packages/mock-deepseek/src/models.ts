// The model names DeepSeek serves and how each one thinks.

import { Refusal } from './errors.js';

export const MODELS = ['deepseek-chat', 'deepseek-reasoner', 'deepseek-v4-flash', 'deepseek-v4-pro'] as const;

export const MODELS_JSON = JSON.stringify({
  object: 'list',
  data: MODELS.map((id) => ({ id, object: 'model', owned_by: 'deepseek' })),
});

const KNOWN = new Set<string>(MODELS);
const EFFORTS = new Set(['low', 'medium', 'high', 'max', 'xhigh']);

export function isKnownModel(model: string): boolean {
  return KNOWN.has(model);
}

/**
 * Thinking mode: `thinking.type` decides when given; otherwise the v4 models and deepseek-reasoner
 * think and deepseek-chat (v4-flash's non-thinking alias) does not.
 */
export function thinks(model: string, thinking: unknown): boolean {
  const type = thinking !== null && typeof thinking === 'object' ? (thinking as { type?: unknown }).type : undefined;
  if (type === 'enabled') return true;
  if (type === 'disabled') return false;
  return model !== 'deepseek-chat';
}

/** 422 for a `thinking` or `reasoning_effort` DeepSeek would not accept. */
export function checkThinkingParams(body: Record<string, unknown>): Refusal | null {
  const t = body.thinking;
  if (t !== undefined && t !== null) {
    const type = typeof t === 'object' && !Array.isArray(t) ? (t as { type?: unknown }).type : undefined;
    if (type !== 'enabled' && type !== 'disabled') {
      return new Refusal(422, 'Failed to deserialize the JSON body into the target type: thinking.type: unknown variant, expected `enabled` or `disabled`');
    }
  }
  const e = body.reasoning_effort;
  if (e !== undefined && e !== null && !(typeof e === 'string' && EFFORTS.has(e))) {
    return new Refusal(422, 'Invalid reasoning_effort value, expected one of low, medium, high, max, xhigh');
  }
  return null;
}

/** Reasoning words for a thinking answer: `chunks`, doubled for reasoning_effort "max" or "xhigh". */
export function reasoningWords(chunks: number, effort: unknown): number {
  return effort === 'max' || effort === 'xhigh' ? chunks * 2 : chunks;
}
