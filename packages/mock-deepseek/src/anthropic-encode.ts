// Anthropic-format answers: one `message` document, or `event:`/`data:` SSE frames from message_start to message_stop.

import type { StreamFrames } from './answer.js';
import type { MessagesPlan } from './anthropic-plan.js';
import { contentTextJson, contentWordJson, expectedText, reasoningTextJson, reasoningWordJson } from './content.js';
import { REDACTED_DATA, thinkingSignature } from './tools.js';

function event(type: string, data: string): string {
  return 'event: ' + type + '\ndata: ' + data + '\n\n';
}

/** Anthropic usage: `input_tokens` are the uncached prompt tokens, `cache_read_input_tokens` the cached ones. */
function usageJson(p: MessagesPlan, outputTokens: number): string {
  const u = p.usage;
  return (
    '{"input_tokens":' +
    u.prompt_cache_miss_tokens +
    ',"cache_creation_input_tokens":0,"cache_read_input_tokens":' +
    u.prompt_cache_hit_tokens +
    ',"output_tokens":' +
    outputTokens +
    '}'
  );
}

function toolInput(p: MessagesPlan): string {
  const t = p.tool!;
  // a cut (max_tokens) argument string is not JSON: the document then carries an empty input
  return p.content === t.pieces.length ? t.args : '{}';
}

export function messageBody(p: MessagesPlan): string {
  const content: string[] = [];
  if (p.thinking) {
    const text = expectedText('reasoning', p.reasoning);
    content.push('{"type":"thinking","thinking":' + reasoningTextJson(p.reasoning) + ',"signature":"' + thinkingSignature(text) + '"}');
  }
  if (p.redacted) content.push('{"type":"redacted_thinking","data":"' + REDACTED_DATA + '"}');
  if (p.tool !== null) {
    content.push('{"type":"tool_use","id":"' + p.tool.id + '","name":' + JSON.stringify(p.tool.name) + ',"input":' + toolInput(p) + '}');
  } else {
    content.push('{"type":"text","text":' + contentTextJson(p.content) + '}');
  }
  return (
    '{"id":"' +
    p.id +
    '","type":"message","role":"assistant","model":' +
    p.modelJson +
    ',"content":[' +
    content.join(',') +
    '],"stop_reason":"' +
    p.stopReason +
    '","stop_sequence":null,"usage":' +
    usageJson(p, p.usage.completion_tokens) +
    '}'
  );
}

/** Every event of the stream between message_start (+ ping) and message_delta, in order: one write each. */
export function messageFrames(p: MessagesPlan): StreamFrames {
  const frames: string[] = [];
  let index = 0;
  const start = (block: string): void => {
    frames.push(event('content_block_start', '{"type":"content_block_start","index":' + index + ',"content_block":' + block + '}'));
  };
  const delta = (d: string): void => {
    frames.push(event('content_block_delta', '{"type":"content_block_delta","index":' + index + ',"delta":' + d + '}'));
  };
  const stop = (): void => {
    frames.push(event('content_block_stop', '{"type":"content_block_stop","index":' + index + '}'));
    index++;
  };
  if (p.thinking) {
    start('{"type":"thinking","thinking":"","signature":""}');
    for (let i = 0; i < p.reasoning; i++) delta('{"type":"thinking_delta","thinking":' + reasoningWordJson(i) + '}');
    delta('{"type":"signature_delta","signature":"' + thinkingSignature(expectedText('reasoning', p.reasoning)) + '"}');
    stop();
  }
  if (p.redacted) {
    start('{"type":"redacted_thinking","data":"' + REDACTED_DATA + '"}');
    stop();
  }
  if (p.tool !== null) {
    start('{"type":"tool_use","id":"' + p.tool.id + '","name":' + JSON.stringify(p.tool.name) + ',"input":{}}');
    for (let i = 0; i < p.content; i++) delta('{"type":"input_json_delta","partial_json":' + JSON.stringify(p.tool.pieces[i]) + '}');
  } else {
    start('{"type":"text","text":""}');
    for (let i = 0; i < p.content; i++) delta('{"type":"text_delta","text":' + contentWordJson(i) + '}');
  }
  stop();
  const message =
    '{"type":"message_start","message":{"id":"' +
    p.id +
    '","type":"message","role":"assistant","model":' +
    p.modelJson +
    ',"content":[],"stop_reason":null,"stop_sequence":null,"usage":' +
    usageJson(p, 1) +
    '}}';
  return {
    head: [event('message_start', message), event('ping', '{"type": "ping"}')],
    count: frames.length,
    frame: (i) => frames[i]!,
    tail: [
      event(
        'message_delta',
        '{"type":"message_delta","delta":{"stop_reason":"' +
          p.stopReason +
          '","stop_sequence":null},"usage":{"output_tokens":' +
          p.usage.completion_tokens +
          '}}',
      ),
      event('message_stop', '{"type":"message_stop"}'),
    ],
    usage: p.usage,
  };
}
