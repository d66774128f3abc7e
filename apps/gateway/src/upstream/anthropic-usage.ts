// Usage in the Anthropic format DeepSeek serves on /anthropic/v1/messages. A stream reports the
// prompt in `message_start` (`input_tokens` uncached, `cache_read_input_tokens` cached) and the
// output in `message_delta` (`output_tokens`, a running total: the last one counts). Complete
// events pass through byte for byte as they arrive; only an unterminated trailing event is held,
// and `event: message_stop` (with anything after it), which the gateway sends once the request's
// usage is durable, like the OpenAI format's `data: [DONE]`.
import { ZERO_USAGE, type UsageCounts } from '@dsp/core';
import { SseEvents } from './sse-events.js';

/** What Anthropic's `usage` objects may carry (message_start, message_delta, a whole message). */
export interface AnthropicUsage {
  input_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
  output_tokens?: number;
}

const USAGE = Buffer.from('"usage"');
const STOP = Buffer.from('event: message_stop');

const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0);

/** The gateway's counts: the prompt is the uncached plus the cached (and cache-written) input. */
export function anthropicCounts(u: AnthropicUsage | null | undefined): UsageCounts {
  if (!u || typeof u !== 'object') return ZERO_USAGE;
  const miss = n(u.input_tokens) + n(u.cache_creation_input_tokens);
  const hit = n(u.cache_read_input_tokens);
  const completion = n(u.output_tokens);
  return { prompt: miss + hit, completion, cacheHit: hit, cacheMiss: miss, reasoning: 0, total: miss + hit + completion };
}

/** The usage of a whole (non-stream) message. */
export function anthropicJsonUsage(body: Buffer): UsageCounts {
  try {
    return anthropicCounts((JSON.parse(body.toString('utf8')) as { usage?: AnthropicUsage }).usage);
  } catch {
    return ZERO_USAGE;
  }
}

export class AnthropicUsageReader extends SseEvents {
  /** prompt side, from message_start */
  private input: AnthropicUsage | null = null;
  /** output tokens, from the last message_delta */
  private output: number | null = null;

  constructor() {
    super(USAGE, STOP);
  }

  protected inspect(buf: Buffer, start: number, end: number): boolean {
    this.read(buf.toString('utf8', start, end));
    return false;
  }

  /** The usage seen so far: an aborted stream is recorded with what arrived before it was cut. */
  counts(): UsageCounts {
    if (this.input === null && this.output === null) return ZERO_USAGE;
    return anthropicCounts({ ...this.input, output_tokens: this.output ?? this.input?.output_tokens ?? 0 });
  }

  private read(event: string): void {
    const at = event.indexOf('\ndata:');
    const data = at === -1 ? (event.startsWith('data:') ? event.slice(5) : null) : event.slice(at + 6);
    if (data === null) return;
    let e: { type?: string; message?: { usage?: AnthropicUsage }; usage?: AnthropicUsage };
    try {
      e = JSON.parse(data);
    } catch {
      return;
    }
    if (e.type === 'message_start' && e.message?.usage) this.input = e.message.usage;
    else if (e.type === 'message_delta' && e.usage) {
      if (typeof e.usage.output_tokens === 'number') this.output = e.usage.output_tokens;
      // some servers report the prompt here too; prefer the later, complete figure
      if (typeof e.usage.input_tokens === 'number') this.input = { ...this.input, ...e.usage };
    }
  }
}
