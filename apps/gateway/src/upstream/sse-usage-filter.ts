// Finds DeepSeek's usage in an SSE stream without buffering it, and strips the usage-only chunk
// (`"choices":[]` + usage) when the client did not ask for it. Complete events pass through byte
// for byte, `: keep-alive` comments included; only an incomplete trailing event is held back, and
// the final `data: [DONE]` (with anything after it), which the gateway sends only once the
// request's usage is durable — SDKs stop reading at [DONE].
import { usageCounts, type UpstreamUsage, type UsageCounts } from '@dsp/core';
import { SseEvents, startsWith } from './sse-events.js';

const USAGE = Buffer.from('"usage":{');
const EMPTY_CHOICES = Buffer.from('"choices":[]');
const DATA = Buffer.from('data:');
const DONE = Buffer.from('data: [DONE]');

export class SseUsageFilter extends SseEvents {
  usage: UpstreamUsage | null = null;

  constructor(private readonly strip: boolean) {
    super(USAGE, DONE);
  }

  counts(): UsageCounts {
    return usageCounts(this.usage);
  }

  /** Records usage; returns true when the event must be dropped. */
  protected inspect(buf: Buffer, start: number, end: number): boolean {
    if (!startsWith(buf, start, DATA)) return false;
    let event: { usage?: UpstreamUsage; choices?: unknown[] };
    try {
      event = JSON.parse(buf.toString('utf8', start + DATA.length, end));
    } catch {
      return false;
    }
    if (event.usage) this.usage = event.usage;
    const c = buf.indexOf(EMPTY_CHOICES, start);
    return this.strip && c !== -1 && c < end && Array.isArray(event.choices) && event.choices.length === 0;
  }
}
