// GET /api/metrics/stream → Server-Sent Events: `hello` (urls + history), then one `snapshot` per
// scrape round (about every second). The session is re-checked every 30 s; when it has ended the
// stream says `logout` and closes.
import { SESSION_COOKIE } from '@/lib/constants';
import { authed } from '@/server/api';
import { operatorFromCookie } from '@/server/auth';
import { scraper } from '@/server/scraper';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

const SESSION_RECHECK_MS = 30_000;
const HEARTBEAT_MS = 15_000;

export const GET = authed(async ({ req }) => {
  const secret = req.cookies.get(SESSION_COOKIE)?.value;
  const enc = new TextEncoder();
  const s = scraper();
  let cleanup = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(ctrl) {
      let closed = false;
      const send = (event: string | null, data: unknown) => {
        if (closed) return;
        try {
          ctrl.enqueue(enc.encode(`${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`));
        } catch {
          cleanup();
        }
      };
      send('hello', { urls: s.urls(), history: s.points(), snapshot: s.latest() });
      const unsubscribe = s.subscribe((snap) => send('snapshot', snap));
      const heartbeat = setInterval(() => {
        if (closed) return;
        try {
          ctrl.enqueue(enc.encode(': keep-alive\n\n'));
        } catch {
          cleanup();
        }
      }, HEARTBEAT_MS);
      const recheck = setInterval(() => {
        void operatorFromCookie(secret)
          .then((op) => {
            if (!op) {
              send('logout', {});
              cleanup();
            }
          })
          .catch(() => {});
      }, SESSION_RECHECK_MS);
      cleanup = () => {
        if (closed) return;
        closed = true;
        unsubscribe();
        clearInterval(heartbeat);
        clearInterval(recheck);
        try {
          ctrl.close();
        } catch {
          /* already closed */
        }
      };
      req.signal.addEventListener('abort', () => cleanup());
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(stream, {
    headers: {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    },
  });
});
