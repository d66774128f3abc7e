// OpenAI-format answers as DeepSeek writes them: one JSON document, or SSE `data:` frames ending in [DONE].

import type { ChatPlan } from './chat-plan.js';
import {
  contentTextJson,
  contentWord,
  contentWordJson,
  expectedText,
  fimTextJson,
  fimWordJson,
  reasoningTextJson,
  reasoningWordJson,
  SYSTEM_FINGERPRINT,
  usageJson,
} from './content.js';
import type { StreamFrames } from './answer.js';

const DONE = 'data: [DONE]\n\n';

/** JSON-mode content: `{"text":"<the words>"}`, so that it parses and still streams word by word. */
function jsonContentJson(n: number): string {
  return JSON.stringify(n === 0 ? '' : JSON.stringify({ text: expectedText('content', n) }));
}

function jsonWordJson(i: number, n: number): string {
  let w = JSON.stringify(contentWord(i)).slice(1, -1);
  if (i === 0) w = '{"text":"' + w;
  if (i === n - 1) w += '"}';
  return JSON.stringify(w);
}

function messageJson(p: ChatPlan): string {
  const reasoning = p.thinking ? ',"reasoning_content":' + reasoningTextJson(p.reasoning) : '';
  if (p.tool !== null) {
    const args = p.tool.pieces.slice(0, p.content).join('');
    return (
      '{"role":"assistant","content":""' +
      reasoning +
      ',"tool_calls":[{"index":0,"id":"' +
      p.tool.id +
      '","type":"function","function":{"name":' +
      JSON.stringify(p.tool.name) +
      ',"arguments":' +
      JSON.stringify(args) +
      '}}]}'
    );
  }
  const content = p.json ? jsonContentJson(p.content) : contentTextJson(p.content);
  return '{"role":"assistant","content":' + content + reasoning + '}';
}

export function completionBody(p: ChatPlan): string {
  const head = '{"id":"' + p.id + (p.kind === 'fim' ? '","object":"text_completion","created":' : '","object":"chat.completion","created":') + p.created;
  const choice =
    p.kind === 'fim'
      ? '{"text":' + fimTextJson(p.content) + ',"index":0,"logprobs":null,"finish_reason":"' + p.finish + '"}'
      : '{"index":0,"message":' + messageJson(p) + ',"logprobs":null,"finish_reason":"' + p.finish + '"}';
  return head + ',"model":' + p.modelJson + ',"choices":[' + choice + '],"usage":' + usageJson(p.usage) + ',"system_fingerprint":"' + SYSTEM_FINGERPRINT + '"}';
}

function toolDelta(p: ChatPlan, i: number): string {
  const t = p.tool!;
  const piece = JSON.stringify(t.pieces[i]);
  if (i > 0) return '{"tool_calls":[{"index":0,"function":{"arguments":' + piece + '}}]}';
  return '{"tool_calls":[{"index":0,"id":"' + t.id + '","type":"function","function":{"name":' + JSON.stringify(t.name) + ',"arguments":' + piece + '}}]}';
}

/** Stream frames: the role chunk, one frame per reasoning word then per content word (or argument piece), usage, [DONE]. */
export function completionFrames(p: ChatPlan): StreamFrames {
  const fim = p.kind === 'fim';
  const head =
    'data: {"id":"' +
    p.id +
    (fim ? '","object":"text_completion","created":' : '","object":"chat.completion.chunk","created":') +
    p.created +
    ',"model":' +
    p.modelJson +
    ',"system_fingerprint":"' +
    SYSTEM_FINGERPRINT +
    '","choices":[';
  const frame = (delta: string, finish: string): string =>
    fim
      ? head + '{"text":' + delta + ',"index":0,"logprobs":null,"finish_reason":' + finish + '}]}\n\n'
      : head + '{"index":0,"delta":' + delta + ',"logprobs":null,"finish_reason":' + finish + '}]}\n\n';
  const finishJson = '"' + p.finish + '"';
  const total = p.reasoning + p.content;

  const tail: string[] = [];
  if (p.content === 0) {
    // nothing carried the finish_reason yet (no content chunks, or max_tokens spent on reasoning)
    tail.push(frame(fim ? '""' : p.thinking ? '{"content":"","reasoning_content":null}' : '{"content":""}', finishJson));
  }
  if (p.includeUsage) tail.push(head + '],"usage":' + usageJson(p.usage) + '}\n\n');
  tail.push(DONE);

  return {
    head: fim ? [] : [frame(p.thinking ? '{"role":"assistant","content":null,"reasoning_content":""}' : '{"role":"assistant","content":""}', 'null')],
    count: total,
    frame(i: number): string {
      const last = i === total - 1 && i >= p.reasoning;
      let delta: string;
      if (fim) delta = fimWordJson(i);
      else if (i < p.reasoning) delta = '{"content":null,"reasoning_content":' + reasoningWordJson(i) + '}';
      else if (p.tool !== null) delta = toolDelta(p, i - p.reasoning);
      else {
        const w = p.json ? jsonWordJson(i - p.reasoning, p.content) : contentWordJson(i - p.reasoning);
        delta = p.thinking ? '{"content":' + w + ',"reasoning_content":null}' : '{"content":' + w + '}';
      }
      return frame(delta, last ? finishJson : 'null');
    },
    tail,
    usage: p.usage,
  };
}
