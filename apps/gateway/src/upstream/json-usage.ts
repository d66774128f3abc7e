// The usage of a non-stream answer. DeepSeek puts `"usage":{…}` last in the body, so only that
// object is cut out and parsed instead of the whole answer (which can be many KB of text). A key
// cannot be mistaken for text: inside JSON strings quotes are escaped. Anything unexpected falls
// back to parsing the whole body.
import { usageCounts, ZERO_USAGE, type UpstreamUsage, type UsageCounts } from '@dsp/core';

const KEY = Buffer.from('"usage"');
const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export function usageOfJson(body: Buffer): UsageCounts {
  const object = usageSpan(body);
  if (object) {
    try {
      return usageCounts(JSON.parse(body.toString('utf8', object[0], object[1])) as UpstreamUsage);
    } catch {
      /* fall through to the whole body */
    }
  }
  try {
    return usageCounts((JSON.parse(body.toString('utf8')) as { usage?: UpstreamUsage }).usage);
  } catch {
    return ZERO_USAGE;
  }
}

/** [start, end) of the object after the last `"usage":`, or null. */
export function usageSpan(body: Buffer): [number, number] | null {
  const at = body.lastIndexOf(KEY);
  if (at < 0) return null;
  let i = at + KEY.length;
  while (i < body.length && body[i] !== OPEN) {
    const c = body[i]!;
    // only blanks and the colon may sit between the key and its object
    if (c !== 0x3a && c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return null;
    i++;
  }
  const start = i;
  let depth = 0;
  for (; i < body.length; i++) {
    const c = body[i];
    if (c === QUOTE) {
      for (i++; i < body.length && body[i] !== QUOTE; i++) if (body[i] === BACKSLASH) i++;
    } else if (c === OPEN) depth++;
    else if (c === CLOSE && --depth === 0) return [start, i + 1];
  }
  return null;
}
