// One load-generator process of the slow-streams bench (bench/slow-streams.mjs): opens its share
// of the streams over raw sockets (no HTTP client: the generator must not be the bottleneck, and
// one process can hold only as many sockets as its open-files limit allows), then answers the
// parent over IPC. Messages in: { cmd: 'open', port, body, tokens, n, perSecond, maxPending, timeoutMs }, { cmd: 'mark' },
// { cmd: 'check' }, { cmd: 'close' }. Out: { type: 'state', ... } (every 200 ms while opening and
// on request), { type: 'check', alive, receivedSinceMark }.
import { connect } from 'node:net';

const state = { n: 0, connected: 0, ok: 0, firstData: 0, non200: 0, errors: 0, closed: 0, errorCodes: {}, statuses: {}, sample: null };
/** per stream: status, data events, data events at the last mark, ms to the first chunk */
let streams = [];
let t0 = 0;
let lastFirstData = 0;
const firstChunkMs = [];
/** streams answered (a status line) or failed before one; the ramp waits on them */
let settled = 0;
let onSettle = null;
const settle = () => {
  settled++;
  onSettle?.();
};

function open(port, request) {
  const s = connect(port, '127.0.0.1');
  const st = { s, status: 0, data: 0, mark: 0, started: performance.now() };
  streams.push(st);
  s.on('connect', () => {
    state.connected++;
    s.write(request);
  });
  s.on('data', (b) => {
    if (!st.status) {
      settle();
      st.status = Number(/^HTTP\/1\.1 (\d{3})/.exec(b.toString('latin1', 0, 16))?.[1] ?? -1);
      state.statuses[st.status] = (state.statuses[st.status] ?? 0) + 1;
      if (st.status === 200) state.ok++;
      else {
        state.non200++;
        state.sample ??= b.toString('latin1', 0, 600);
      }
    }
    if (b.includes('data:')) {
      if (st.data === 0) {
        state.firstData++;
        lastFirstData = performance.now();
        firstChunkMs.push(lastFirstData - st.started);
      }
      st.data++;
    }
  });
  s.on('error', (e) => {
    if (!st.status) {
      st.status = -1;
      settle();
    }
    state.errors++;
    state.errorCodes[e.code ?? e.message] = (state.errorCodes[e.code ?? e.message] ?? 0) + 1;
  });
  s.on('close', () => {
    state.closed++;
    if (!st.status) {
      st.status = -1;
      state.errors++;
      state.errorCodes['closed before an answer'] = (state.errorCodes['closed before an answer'] ?? 0) + 1;
      settle();
    }
  });
}

const pct = (xs, p) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] : null);
const report = () =>
  process.send({
    type: 'state',
    ...state,
    openedInMs: state.firstData ? lastFirstData - t0 : null,
    firstChunkP50: pct(firstChunkMs, 50),
    firstChunkP99: pct(firstChunkMs, 99),
    firstChunkMax: pct(firstChunkMs, 100),
  });

process.on('message', async (m) => {
  if (m.cmd === 'open') {
    state.n = m.n;
    const len = Buffer.byteLength(m.body);
    const requests = m.tokens.map(
      (t) =>
        `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${m.port}\r\nAuthorization: Bearer ${t}\r\nContent-Type: application/json\r\nContent-Length: ${len}\r\n\r\n${m.body}`,
    );
    // at most m.perSecond (in ticks of 50 ms), and at most m.maxPending sent but not answered yet:
    // as fast as the gateway answers, without piling up a queue it would time out
    const perTick = Math.max(1, Math.round(m.perSecond / 20));
    const timer = setInterval(report, 200);
    t0 = performance.now();
    let tick = performance.now();
    let inTick = 0;
    for (let i = 0; i < m.n; i++) {
      while (i - settled >= m.maxPending) await new Promise((r) => (onSettle = r));
      onSettle = null;
      open(m.port, requests[i % requests.length]);
      if (++inTick >= perTick) {
        const wait = tick + 50 - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        tick = performance.now();
        inTick = 0;
      }
    }
    while (state.firstData + state.non200 + state.errors < m.n && performance.now() - t0 < m.timeoutMs) await new Promise((r) => setTimeout(r, 100));
    clearInterval(timer);
    report();
  } else if (m.cmd === 'mark') {
    for (const st of streams) st.mark = st.data;
    report();
  } else if (m.cmd === 'check') {
    let alive = 0;
    for (const st of streams) if (!st.s.destroyed && st.data > st.mark) alive++;
    process.send({ type: 'check', alive });
  } else if (m.cmd === 'close') {
    for (const st of streams) st.s.destroy();
    streams = [];
    process.send({ type: 'closed' });
  }
});
process.send({ type: 'ready' });
