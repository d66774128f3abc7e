// What counts as a right answer, shared by the k6 scripts and the node fallback: plain ES2017, no
// Node or k6 APIs, so k6 can import it as a module and run.mjs as well. Both runners classify
// every response with classify() and feed the counters with record(), so a threshold in
// thresholds.json means the same thing in both.

/** Counters every scenario feeds (0 or 1 per response). */
export const OUTCOME_COUNTERS = ['ok_200', 'server_errors', 'transport_errors', 'unexpected_status', 'wrong_429', 'concurrency_429', 'quota_429'];

/** Case-insensitive header lookup (k6 canonicalises names, undici lower-cases them). */
export function header(headers, name) {
  if (!headers) return undefined;
  const want = name.toLowerCase();
  for (const k in headers) {
    if (k.toLowerCase() === want) {
      const v = headers[k];
      return Array.isArray(v) ? v[0] : v;
    }
  }
  return undefined;
}

/** The OpenAI-shaped error code of a body, or null. */
export function errorCode(body) {
  try {
    const j = JSON.parse(body);
    return j && j.error && typeof j.error.code === 'string' ? j.error.code : null;
  } catch (e) {
    return null;
  }
}

/**
 * Classify one answer. `allow` lists the 429 kinds this scenario expects ('concurrency', 'quota');
 * a well-formed 429 of a kind not allowed is an unexpected status, a malformed one a wrong 429.
 * Returns one of OUTCOME_COUNTERS and, for failures, a short reason.
 */
export function classify(status, headers, body, allow) {
  const allowed = allow || [];
  if (!status) return { kind: 'transport_errors', reason: 'no response (connection error)' };
  if (status >= 500) return { kind: 'server_errors', reason: `status ${status} ${errorCode(body) || ''}`.trim() };
  if (status === 200) return { kind: 'ok_200', reason: '' };
  if (status === 429) {
    const code = errorCode(body);
    const retryAfter = header(headers, 'retry-after');
    if (code === 'concurrency_limit_exceeded') {
      if (retryAfter !== '1') return { kind: 'wrong_429', reason: `concurrency 429 with Retry-After ${JSON.stringify(retryAfter)}` };
      return allowed.indexOf('concurrency') >= 0
        ? { kind: 'concurrency_429', reason: '' }
        : { kind: 'unexpected_status', reason: '429 concurrency_limit_exceeded (the per-token limit was hit)' };
    }
    if (code === 'quota_exceeded') {
      if (!/^\d+$/.test(retryAfter || '') || Number(retryAfter) <= 0)
        return { kind: 'wrong_429', reason: `quota 429 with Retry-After ${JSON.stringify(retryAfter)}` };
      return allowed.indexOf('quota') >= 0 ? { kind: 'quota_429', reason: '' } : { kind: 'unexpected_status', reason: '429 quota_exceeded' };
    }
    return { kind: 'wrong_429', reason: `429 with code ${JSON.stringify(code)}` };
  }
  return { kind: 'unexpected_status', reason: `status ${status} ${errorCode(body) || ''}`.trim() };
}

/** Add 1 to the counter of `kind` and 0 to every other outcome counter (so each has samples). */
export function record(counters, kind) {
  for (let i = 0; i < OUTCOME_COUNTERS.length; i++) {
    const name = OUTCOME_COUNTERS[i];
    if (counters[name]) counters[name].add(name === kind ? 1 : 0);
  }
}

/**
 * Parse an SSE body: frames (events separated by a blank line), data frames, `[DONE]`, the finish
 * reason, usage-only frames, error frames and `: keep-alive` comments.
 */
export function parseSse(text) {
  const out = { frames: 0, dataFrames: 0, done: false, finishReason: null, usageFrames: 0, errorFrames: 0, keepAlive: 0, afterDone: 0, text: '' };
  const events = String(text).split(/\r?\n\r?\n/);
  for (let i = 0; i < events.length; i++) {
    const ev = events[i];
    if (ev.trim() === '') continue;
    out.frames++;
    const lines = ev.split(/\r?\n/);
    for (let j = 0; j < lines.length; j++) {
      const line = lines[j];
      if (line.charAt(0) === ':') {
        out.keepAlive++;
        continue;
      }
      if (line.indexOf('data:') !== 0) continue;
      const payload = line.slice(5).trim();
      if (out.done) out.afterDone++;
      if (payload === '[DONE]') {
        out.done = true;
        continue;
      }
      out.dataFrames++;
      let j2;
      try {
        j2 = JSON.parse(payload);
      } catch (e) {
        out.errorFrames++;
        continue;
      }
      if (j2.error) {
        out.errorFrames++;
        continue;
      }
      const choices = j2.choices || [];
      if (choices.length === 0 && j2.usage) out.usageFrames++;
      for (let k = 0; k < choices.length; k++) {
        const c = choices[k];
        if (c.finish_reason) out.finishReason = c.finish_reason;
        const d = c.delta || {};
        if (typeof d.content === 'string') out.text += d.content;
        if (typeof c.text === 'string') out.text += c.text;
      }
    }
  }
  return out;
}

/** A stream is complete when it has a finish reason, ends with [DONE] and carries no error frame. */
export function streamProblem(sse) {
  if (sse.errorFrames > 0) return 'error frame in the stream';
  if (!sse.finishReason) return 'no finish_reason';
  if (!sse.done) return 'no [DONE]';
  if (sse.afterDone > 0) return 'data after [DONE]';
  return null;
}

/** Request bodies. `mock` is the mock upstream's per-request knob (ignored when null). */
export function chatBody(o) {
  const b = { model: 'deepseek-chat', messages: [{ role: 'user', content: o && o.content ? o.content : 'Hello from the load test' }] };
  if (o && o.stream) b.stream = true;
  if (o && o.mock) b.mock = o.mock;
  return JSON.stringify(b);
}

/** An Anthropic-format request for /anthropic/v1/messages. */
export function messagesBody(o) {
  const b = { model: 'deepseek-chat', max_tokens: 64, messages: [{ role: 'user', content: 'Hello from the load test' }] };
  if (o && o.stream) b.stream = true;
  return JSON.stringify(b);
}

/**
 * What is wrong with an Anthropic-format event stream, or null when it is complete: a
 * message_start first, a message_stop last, no error event.
 */
export function anthropicStreamProblem(body) {
  const events = [];
  String(body)
    .split('\n')
    .forEach(function (line) {
      if (line.indexOf('event:') === 0) events.push(line.slice(6).trim());
    });
  if (events.length === 0) return 'no events';
  if (events.indexOf('error') >= 0) return 'an error event';
  if (events[0] !== 'message_start') return 'does not start with message_start';
  if (events[events.length - 1] !== 'message_stop') return 'does not end with message_stop';
  return null;
}

export function fimBody(o) {
  const b = { model: 'deepseek-chat', prompt: 'def fib(n):', suffix: '    return a', max_tokens: 16 };
  if (o && o.stream) b.stream = true;
  if (o && o.mock) b.mock = o.mock;
  return JSON.stringify(b);
}
