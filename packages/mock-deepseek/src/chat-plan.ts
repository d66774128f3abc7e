// OpenAI-format requests (chat and FIM): DeepSeek's validation, then what the answer will contain.

import { randomUUID } from 'node:crypto';
import type { Behaviour } from './behaviour.js';
import { chatPromptTokens, fimPromptTokens, makeUsage, type Usage } from './content.js';
import { Refusal } from './errors.js';
import { checkThinkingParams, isKnownModel, reasoningWords, thinks } from './models.js';
import { checkOpenaiTools, checkReasoningEcho, makeToolCall, openaiToolToCall, type ToolCall } from './tools.js';

export type CompletionKind = 'chat' | 'fim';

export interface ChatPlan {
  kind: CompletionKind;
  id: string;
  created: number;
  modelJson: string;
  stream: boolean;
  includeUsage: boolean;
  /** reasoning chunks emitted */
  reasoning: number;
  /** content chunks emitted (tool-call argument pieces when `tool` is set) */
  content: number;
  finish: 'stop' | 'length' | 'tool_calls';
  thinking: boolean;
  /** response_format json_object: the content is `{"text": …}` */
  json: boolean;
  tool: ToolCall | null;
  usage: Usage;
}

const DESERIALIZE = 'Failed to deserialize the JSON body into the target type: ';

function mentionsJson(messages: unknown[]): boolean {
  return messages.some((m) => m !== null && typeof m === 'object' && /json/i.test(JSON.stringify((m as { content?: unknown }).content ?? '')));
}

/** DeepSeek's checks, in its order: 422 for missing or ill-typed fields, 400 for requests it refuses. */
export function checkCompletion(kind: CompletionKind, body: Record<string, any>, beta: boolean): Refusal | null {
  if (typeof body.model !== 'string' || body.model === '') return new Refusal(422, DESERIALIZE + 'missing field `model`');
  if (kind === 'chat') {
    const messages = body.messages;
    if (!Array.isArray(messages)) return new Refusal(422, DESERIALIZE + 'missing field `messages`');
    if (messages.length === 0) return new Refusal(422, 'Invalid messages: the messages list must not be empty');
  } else if (typeof body.prompt !== 'string') {
    return new Refusal(422, DESERIALIZE + 'missing field `prompt`');
  }
  const max = body.max_tokens;
  if (max !== undefined && max !== null && (typeof max !== 'number' || !Number.isInteger(max) || max < 1)) {
    return new Refusal(422, 'Invalid max_tokens value, the valid range of max_tokens is [1, 393216]');
  }
  const params = checkThinkingParams(body);
  if (params !== null) return params;
  if (!isKnownModel(body.model)) return new Refusal(400, 'Model Not Exist');
  if (kind === 'fim') {
    const t = body.thinking;
    if (body.model === 'deepseek-reasoner' || (t !== null && typeof t === 'object' && t.type === 'enabled')) {
      return new Refusal(400, 'FIM completion is only available in non-thinking mode');
    }
    return null;
  }
  const tools = checkOpenaiTools(body, beta);
  if (tools !== null) return tools;
  const rf = body.response_format;
  if (rf !== undefined && rf !== null) {
    if (typeof rf !== 'object' || (rf.type !== 'json_object' && rf.type !== 'text')) {
      return new Refusal(422, DESERIALIZE + 'response_format.type: unknown variant, expected `text` or `json_object`');
    }
    if (rf.type === 'json_object' && !mentionsJson(body.messages)) {
      return new Refusal(400, "Prompt must contain the word 'json' in some form to use 'response_format' of type 'json_object'");
    }
  }
  if (thinks(body.model, body.thinking)) return checkReasoningEcho(body.messages);
  return null;
}

/** What a valid request is answered with; `max_tokens` cuts reasoning first, then content. */
export function planCompletion(kind: CompletionKind, body: Record<string, any>, b: Behaviour): ChatPlan {
  const model: string = body.model;
  const thinking = kind === 'chat' && thinks(model, body.thinking);
  const call = kind === 'chat' ? openaiToolToCall(body) : null;
  const tool = call === null ? null : makeToolCall('call_', call.name, call.schema);
  const wantReasoning = thinking ? reasoningWords(b.chunks, body.reasoning_effort) : 0;
  const wantContent = tool !== null ? tool.pieces.length : b.chunks;
  let reasoning = wantReasoning;
  let content = wantContent;
  const max = body.max_tokens;
  if (typeof max === 'number' && max < reasoning + content) {
    reasoning = Math.min(reasoning, max);
    content = Math.min(content, max - reasoning);
  }
  const stream = body.stream === true;
  const so = body.stream_options;
  const promptTokens = kind === 'chat' ? chatPromptTokens(body.messages) : fimPromptTokens(body.prompt, typeof body.suffix === 'string' ? body.suffix : '');
  const cut = reasoning + content < wantReasoning + wantContent;
  return {
    kind,
    id: kind === 'fim' ? 'cmpl-' + randomUUID() : randomUUID(),
    created: Math.floor(Date.now() / 1000),
    modelJson: JSON.stringify(model),
    stream,
    includeUsage: stream && so !== null && typeof so === 'object' && so.include_usage === true,
    reasoning,
    content,
    finish: cut ? 'length' : tool !== null ? 'tool_calls' : 'stop',
    thinking,
    json: kind === 'chat' && body.response_format?.type === 'json_object',
    tool,
    usage: makeUsage(promptTokens, reasoning, content),
  };
}
