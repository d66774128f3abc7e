// A minimal Redis client (RESP2 over one TCP socket) for the load-test tools: setting per-user
// quota limits and cleaning a key prefix. load-tests depends only on @dsp/core, so no ioredis here.
import { connect } from 'node:net';

/** Open a connection to redis://[user:pass@]host:port[/db]. */
export async function openRedis(url = 'redis://127.0.0.1:6379') {
  const u = new URL(url);
  if (u.protocol !== 'redis:') throw new Error(`only redis:// URLs are supported here, got ${u.protocol}`);
  const socket = connect(Number(u.port || 6379), u.hostname || '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const waiting = [];
  let buf = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (;;) {
      const r = parseReply(buf, 0);
      if (!r) break;
      buf = buf.subarray(r.end);
      const w = waiting.shift();
      if (!w) continue;
      if (r.value instanceof Error) w.reject(r.value);
      else w.resolve(r.value);
    }
  });
  socket.on('error', (e) => {
    for (const w of waiting.splice(0)) w.reject(e);
  });
  const call = (...args) =>
    new Promise((resolve, reject) => {
      waiting.push({ resolve, reject });
      socket.write(encode(args));
    });
  if (u.password) await call('AUTH', ...(u.username ? [decodeURIComponent(u.username)] : []), decodeURIComponent(u.password));
  const db = u.pathname.replace(/^\//, '');
  if (db) await call('SELECT', db);
  return {
    call,
    /** pipeline many commands: write them all, then await every reply */
    pipeline: (cmds) => Promise.all(cmds.map((c) => call(...c))),
    async deletePrefix(prefix) {
      let cursor = '0';
      let n = 0;
      const pattern = prefix.replace(/[*?[\]\\]/g, '\\$&') + '*';
      do {
        const [next, found] = await call('SCAN', cursor, 'MATCH', pattern, 'COUNT', '1000');
        cursor = next;
        if (found.length) n += await call('DEL', ...found);
      } while (cursor !== '0');
      return n;
    },
    close() {
      socket.end();
    },
  };
}

function encode(args) {
  let out = `*${args.length}\r\n`;
  for (const a of args) {
    const s = String(a);
    out += `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
  }
  return out;
}

/** One reply starting at `at`, or null when the buffer does not hold all of it yet. */
function parseReply(buf, at) {
  if (at >= buf.length) return null;
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[at]);
  const line = buf.toString('utf8', at + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: new Error(line), end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const len = Number(line);
      if (len < 0) return { value: null, end: next };
      if (buf.length < next + len + 2) return null;
      return { value: buf.toString('utf8', next, next + len), end: next + len + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, end: next };
      const items = [];
      let pos = next;
      for (let i = 0; i < n; i++) {
        const r = parseReply(buf, pos);
        if (!r) return null;
        items.push(r.value);
        pos = r.end;
      }
      return { value: items, end: pos };
    }
    default:
      throw new Error(`unexpected RESP reply type ${JSON.stringify(type)}`);
  }
}
