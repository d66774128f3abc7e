// smoke: a few requests of every kind — chat (non-stream, stream, stream with usage), FIM, the
// Anthropic-format messages (non-stream, stream, an unserved path), models, healthz, and an invalid
// / a missing token (401). One VU, one iteration; any failed check fails.
//   k6 run -e BASE_URL=http://127.0.0.1:8877 -e TOKENS_FILE=$PWD/load-tests/tokens.json load-tests/k6/smoke.js
import {
  chatBody,
  check,
  counters,
  fimBody,
  get,
  header,
  incompleteStreams,
  judge,
  judgeStream,
  loadTokens,
  parseSse,
  post,
  postWithApiKey,
  streamProblem,
  thresholds,
} from './lib.js';
import { anthropicStreamProblem, classify, messagesBody, record } from '../lib/checks.js';

const tokens = loadTokens();

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: { smoke: { executor: 'shared-iterations', vus: 1, iterations: 1, maxDuration: '60s' } },
  thresholds: thresholds('smoke'),
};

function json(res) {
  try {
    return JSON.parse(res.body);
  } catch (e) {
    return null;
  }
}

export default function () {
  const token = tokens[0];

  let res = post('/v1/chat/completions', chatBody(), token, { kind: 'chat' });
  let ok = judge(res, []) === 'ok_200';
  let j = json(res);
  check(res, {
    'chat: 200 with a message and usage': function () {
      return ok && !!j && !!j.choices && !!j.choices[0].message.content && !!j.usage;
    },
    'chat: x-request-id': function (r) {
      return !!header(r.headers, 'x-request-id');
    },
  });

  res = post('/chat/completions', chatBody({ stream: true }), token, { kind: 'stream' });
  ok = judgeStream(res, []) === 'ok_200';
  let sse = parseSse(res.body);
  check(res, {
    'stream: 200 text/event-stream, complete, usage chunk stripped': function (r) {
      return ok && String(header(r.headers, 'content-type')).indexOf('text/event-stream') === 0 && !streamProblem(sse) && sse.usageFrames === 0;
    },
  });

  res = post(
    '/v1/chat/completions',
    JSON.stringify({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'Hello' }], stream: true, stream_options: { include_usage: true } }),
    token,
    { kind: 'stream' },
  );
  ok = judgeStream(res, []) === 'ok_200';
  sse = parseSse(res.body);
  check(res, {
    'stream with include_usage: one usage chunk': function () {
      return ok && sse.usageFrames === 1;
    },
  });

  res = post('/beta/completions', fimBody(), token, { kind: 'fim' });
  ok = judge(res, []) === 'ok_200';
  j = json(res);
  check(res, {
    'fim: 200 with choices[0].text': function () {
      return ok && !!j && typeof j.choices[0].text === 'string';
    },
  });

  res = postWithApiKey('/anthropic/v1/messages', messagesBody(), token, { kind: 'messages' });
  ok = judge(res, []) === 'ok_200';
  j = json(res);
  check(res, {
    'messages (x-api-key): 200 with text content and usage': function () {
      return ok && !!j && j.type === 'message' && !!j.content && typeof j.content[0].text === 'string' && !!j.usage;
    },
  });

  res = postWithApiKey('/anthropic/v1/messages', messagesBody({ stream: true }), token, { kind: 'messages-stream' });
  ok = judge(res, []) === 'ok_200';
  check(res, {
    'messages stream: message_start … message_stop': function () {
      return ok && anthropicStreamProblem(res.body) === null;
    },
  });

  res = postWithApiKey('/anthropic/v1/messages/count_tokens', messagesBody(), token, { kind: 'messages-404' });
  j = json(res);
  check(res, {
    'count_tokens: 404 in the Anthropic error shape': function () {
      return res.status === 404 && !!j && j.type === 'error' && j.error.type === 'not_found_error';
    },
  });

  ['/models', '/v1/models'].forEach(function (path) {
    const r = get(path, token);
    const good = judge(r, []) === 'ok_200';
    const m = json(r);
    check(r, {
      [path + ': 200 with deepseek-chat']: function () {
        return (
          good &&
          !!m &&
          m.data.some(function (x) {
            return x.id === 'deepseek-chat';
          })
        );
      },
    });
  });

  res = get('/healthz');
  ok = judge(res, []) === 'ok_200';
  check(res, {
    'healthz: 200': function () {
      return ok;
    },
  });

  [
    ['invalid token', 'not-a-jwt.at.all'],
    ['missing token', null],
  ].forEach(function (c) {
    const r = post('/v1/chat/completions', chatBody(), c[1], { kind: 'auth' });
    if (r.status === 0 || r.status >= 500) record(counters, classify(r.status, r.headers, r.body, []).kind);
    const e = json(r);
    check(r, {
      [c[0] + ': 401 invalid_token']: function () {
        return r.status === 401 && !!e && e.error.code === 'invalid_token';
      },
    });
  });
  incompleteStreams.add(0);
}
