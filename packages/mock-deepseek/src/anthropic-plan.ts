// Anthropic-format requests (POST /anthropic/v1/messages): validation, then what the answer will contain.

import { randomUUID } from 'node:crypto';
import type { Behaviour } from './behaviour.js';
import { chatPromptTokens, makeUsage, type Usage } from './content.js';
import { Refusal } from './errors.js';
import { makeToolCall, REDACTED_DATA, thinkingSignature, type ToolCall } from './tools.js';

export interface MessagesPlan {
  id: string;
  modelJson: string;
  stream: boolean;
  thinking: boolean;
  /** a redacted_thinking block follows the thinking block */
  redacted: boolean;
  /** thinking words emitted */
  reasoning: number;
  /** text words emitted (tool input pieces when `tool` is set) */
  content: number;
  tool: ToolCall | null;
  stopReason: 'end_turn' | 'max_tokens' | 'tool_use';
  usage: Usage;
}

function isObject(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function blocks(m: unknown): any[] {
  return isObject(m) && Array.isArray(m.content) ? m.content : [];
}

/** A user message that starts a turn (anything but tool results). */
function startsTurn(m: unknown): boolean {
  if (!isObject(m) || m.role !== 'user') return false;
  return typeof m.content === 'string' || blocks(m).some((b) => isObject(b) && b.type !== 'tool_result');
}

function thinkingOn(body: Record<string, any>): boolean {
  const type = isObject(body.thinking) ? body.thinking.type : undefined;
  if (type === 'enabled') return true;
  if (type === 'disabled') return false;
  return body.model === 'deepseek-reasoner';
}

/** The thinking blocks sent back must be the ones the API issued; with thinking on, a tool turn must start with one. */
function checkThinkingEcho(messages: unknown[], thinking: boolean): Refusal | null {
  let turn = 0;
  for (let i = 0; i < messages.length; i++) if (startsTurn(messages[i])) turn = i + 1;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (!isObject(m) || m.role !== 'assistant') continue;
    const bs = blocks(m);
    for (const b of bs) {
      if (isObject(b) && b.type === 'thinking' && (typeof b.thinking !== 'string' || b.signature !== thinkingSignature(b.thinking))) {
        return new Refusal(400, `messages.${i}.content: Invalid \`signature\` in \`thinking\` block`);
      }
      if (isObject(b) && b.type === 'redacted_thinking' && b.data !== REDACTED_DATA) {
        return new Refusal(400, `messages.${i}.content: Invalid \`data\` in \`redacted_thinking\` block`);
      }
    }
    const usesTool = bs.some((b) => isObject(b) && b.type === 'tool_use');
    const first = bs[0];
    if (thinking && i >= turn && usesTool && !(isObject(first) && (first.type === 'thinking' || first.type === 'redacted_thinking'))) {
      return new Refusal(
        400,
        `messages.${i}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${String(isObject(first) ? first.type : 'nothing')}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block.`,
      );
    }
  }
  return null;
}

/** Anthropic answers every malformed request with 400 invalid_request_error. */
export function checkMessages(body: Record<string, any>): Refusal | null {
  if (typeof body.model !== 'string' || body.model === '') return new Refusal(400, 'model: Field required');
  const max = body.max_tokens;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) return new Refusal(400, 'max_tokens: Field required (an integer ≥ 1)');
  const messages = body.messages;
  if (!Array.isArray(messages)) return new Refusal(400, 'messages: Field required');
  if (messages.length === 0) return new Refusal(400, 'messages: at least one message is required');
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (!isObject(m) || (m.role !== 'user' && m.role !== 'assistant')) return new Refusal(400, `messages.${i}.role: Input should be 'user' or 'assistant'`);
    if (typeof m.content !== 'string' && !Array.isArray(m.content)) return new Refusal(400, `messages.${i}.content: Field required`);
  }
  const t = body.thinking;
  if (t !== undefined && !(isObject(t) && (t.type === 'enabled' || t.type === 'disabled'))) {
    return new Refusal(400, "thinking.type: Input should be 'enabled' or 'disabled'");
  }
  const tools = body.tools;
  if (tools !== undefined) {
    if (!Array.isArray(tools)) return new Refusal(400, 'tools: Input should be a valid list');
    for (let i = 0; i < tools.length; i++) {
      const tool = tools[i];
      if (!isObject(tool) || typeof tool.name !== 'string' || !isObject(tool.input_schema)) {
        return new Refusal(400, `tools.${i}: a tool needs a name and an input_schema`);
      }
    }
  }
  return checkThinkingEcho(messages, thinkingOn(body));
}

/** Calls a tool when tools are given, tool_choice is not "none", and the last message is the user's own (or the choice forces it). */
function toolToCall(body: Record<string, any>): ToolCall | null {
  const tools = body.tools;
  if (!Array.isArray(tools) || tools.length === 0) return null;
  const choice = isObject(body.tool_choice) ? body.tool_choice : { type: 'auto' };
  if (choice.type === 'none') return null;
  const forced = choice.type === 'any' || choice.type === 'tool';
  if (!forced && !startsTurn(body.messages[body.messages.length - 1])) return null;
  const tool = tools.find((t: any) => choice.type !== 'tool' || t.name === choice.name) ?? tools[0];
  return makeToolCall('toolu_', tool.name, tool.input_schema);
}

export function planMessages(body: Record<string, any>, b: Behaviour): MessagesPlan {
  const thinking = thinkingOn(body);
  const tool = toolToCall(body);
  const wantReasoning = thinking ? b.chunks : 0;
  const wantContent = tool !== null ? tool.pieces.length : b.chunks;
  const max: number = body.max_tokens;
  const reasoning = Math.min(wantReasoning, max);
  const content = Math.min(wantContent, max - reasoning);
  const system = body.system === undefined ? [] : [{ content: body.system }];
  const cut = reasoning + content < wantReasoning + wantContent;
  return {
    id: 'msg_' + randomUUID().replace(/-/g, ''),
    modelJson: JSON.stringify(body.model),
    stream: body.stream === true,
    thinking,
    redacted: thinking && b.redactedThinking,
    reasoning,
    content,
    tool,
    stopReason: cut ? 'max_tokens' : tool !== null ? 'tool_use' : 'end_turn',
    usage: makeUsage(chatPromptTokens([...system, ...body.messages]), reasoning, content),
  };
}
