// Tool calls: which tool to call, deterministic arguments from its JSON schema, and the checks DeepSeek makes.

import { createHmac, randomUUID } from 'node:crypto';
import { Refusal } from './errors.js';

export interface ToolCall {
  id: string;
  name: string;
  /** the arguments as one JSON string */
  args: string;
  /** `args` cut into the pieces a stream sends (one output token each) */
  pieces: string[];
}

const PIECE = 8;
const MAX_DEPTH = 8;

/** A value that satisfies a (simple) JSON schema: the first enum value, else a fixed value per type. */
function sample(schema: unknown, depth: number): unknown {
  if (schema === null || typeof schema !== 'object' || depth > MAX_DEPTH) return 'mock';
  const s = schema as Record<string, unknown>;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string':
      return 'mock';
    case 'integer':
      return 1;
    case 'number':
      return 1.5;
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array':
      return [sample(s.items, depth + 1)];
    default: {
      const out: Record<string, unknown> = {};
      const props = s.properties;
      if (props !== null && typeof props === 'object' && !Array.isArray(props)) {
        for (const [k, v] of Object.entries(props as Record<string, unknown>)) out[k] = sample(v, depth + 1);
      }
      return out;
    }
  }
}

export function makeToolCall(idPrefix: 'call_' | 'toolu_', name: string, schema: unknown): ToolCall {
  const args = JSON.stringify(sample(schema, 0));
  const pieces: string[] = [];
  for (let i = 0; i < args.length; i += PIECE) pieces.push(args.slice(i, i + PIECE));
  return { id: idPrefix + randomUUID().replace(/-/g, '').slice(0, 24), name, args, pieces };
}

function isObject(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * OpenAI format: the tool to call, or null for a text answer. A call is made when tools are given and
 * `tool_choice` is not "none", and either the last message is the user's (not a tool result) or the
 * choice forces a call ("required" or a named function).
 */
export function openaiToolToCall(body: Record<string, any>): { name: string; schema: unknown } | null {
  const tools = body.tools;
  if (!Array.isArray(tools) || tools.length === 0) return null;
  const choice = body.tool_choice;
  if (choice === 'none') return null;
  const last = body.messages[body.messages.length - 1];
  const forced = choice === 'required' || isObject(choice);
  if (!forced && !(isObject(last) && last.role === 'user')) return null;
  const wanted = isObject(choice) && isObject(choice.function) ? choice.function.name : undefined;
  const tool = (tools as any[]).find((t) => wanted === undefined || t.function.name === wanted) ?? tools[0];
  return { name: tool.function.name, schema: tool.function.parameters };
}

/** OpenAI format: 422 for tools DeepSeek cannot deserialize; 400 for `strict` outside /beta or with a loose schema. */
export function checkOpenaiTools(body: Record<string, any>, beta: boolean): Refusal | null {
  const tools = body.tools;
  if (tools === undefined || tools === null) return null;
  if (!Array.isArray(tools)) return new Refusal(422, 'Failed to deserialize the JSON body into the target type: tools: invalid type, expected a sequence');
  for (let i = 0; i < tools.length; i++) {
    const t = tools[i];
    if (!isObject(t) || t.type !== 'function' || !isObject(t.function) || typeof t.function.name !== 'string') {
      return new Refusal(422, `Failed to deserialize the JSON body into the target type: tools[${i}]: missing field \`function\` or \`name\``);
    }
    if (t.function.strict === true) {
      if (!beta) return new Refusal(400, 'strict mode for function calling is only available on the beta endpoint (base_url=https://api.deepseek.com/beta)');
      const why = strictProblem(t.function.parameters, `tools[${i}].function.parameters`);
      if (why !== null) return new Refusal(400, 'Invalid schema for strict function calling: ' + why);
    }
  }
  return null;
}

/** Strict schemas: every object lists all its properties as required and sets additionalProperties false. */
function strictProblem(schema: unknown, at: string): string | null {
  if (!isObject(schema)) return `${at} must be a JSON schema object`;
  if (schema.type === 'object' || isObject(schema.properties)) {
    if (schema.additionalProperties !== false) return `${at}: additionalProperties must be false`;
    const props = isObject(schema.properties) ? Object.keys(schema.properties) : [];
    const required = Array.isArray(schema.required) ? schema.required : [];
    const missing = props.find((p) => !required.includes(p));
    if (missing !== undefined) return `${at}: property "${missing}" must be required`;
    for (const p of props) {
      const why = strictProblem(schema.properties[p], `${at}.properties.${p}`);
      if (why !== null) return why;
    }
  }
  if (schema.type === 'array' && schema.items !== undefined) return strictProblem(schema.items, `${at}.items`);
  return null;
}

/**
 * Thinking mode with tools: every assistant message with tool calls in the current turn (after the
 * last user message) must carry its `reasoning_content` back, or DeepSeek answers 400.
 */
export function checkReasoningEcho(messages: unknown[]): Refusal | null {
  let start = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (isObject(m) && m.role === 'user') {
      start = i + 1;
      break;
    }
  }
  for (let i = start; i < messages.length; i++) {
    const m = messages[i];
    if (isObject(m) && m.role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length > 0 && typeof m.reasoning_content !== 'string') {
      return new Refusal(
        400,
        `Missing \`reasoning_content\` field in the assistant message at message index ${i}. In thinking mode, the reasoning_content of tool-call turns must be passed back.`,
      );
    }
  }
  return null;
}

const SIGNING_KEY = 'mock-deepseek thinking signature';

/** The signature of a thinking block: the API checks it when the block comes back. */
export function thinkingSignature(thinking: string): string {
  return createHmac('sha256', SIGNING_KEY).update(thinking).digest('base64');
}

export const REDACTED_DATA = Buffer.from('mock-deepseek redacted thinking').toString('base64');
