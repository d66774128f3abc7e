// A request's way in: its context, its record (when recording), the control routes (/_mock/*),
// the route table and method check, the body read, and the bookkeeping when its connection closes.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { CONTROL_PREFIX, handleControl, type Controls } from './control.js';
import { dispatch, refuse, type MockCore } from './dispatch.js';
import { Refusal } from './errors.js';
import type { Ctx } from './http-out.js';
import { requestKey } from './keys.js';
import { dialectOf, findRoute } from './routes.js';

function readBody(req: IncomingMessage, done: (raw: string) => void): void {
  req.setEncoding('utf8');
  let raw = '';
  req.on('data', (c: string) => {
    raw += c;
  });
  req.on('end', () => done(raw));
}

/** The request ended, answered or not: stop its timers and output, count it out, note an abort. */
function onClose(core: MockCore, ctx: Ctx): void {
  const { records } = core;
  ctx.closed = true;
  if (ctx.timer !== null) {
    clearTimeout(ctx.timer);
    ctx.timer = null;
  }
  if (ctx.out !== null) ctx.out.cancel();
  records.leave();
  if (ctx.userId !== null) records.userLeave(ctx.userId);
  if (ctx.admitted) records.keyLeave(ctx.key);
  if (!ctx.res.writableFinished && !ctx.selfKill) records.abort(ctx.rec);
}

function recordRequest(core: MockCore, ctx: Ctx, method: string): void {
  const rid = ctx.req.headers['x-request-id'];
  ctx.rec = {
    method,
    path: ctx.path,
    headers: ctx.req.headers as Record<string, string | string[]>,
    body: null,
    userId: null,
    key: ctx.key === '' ? null : ctx.key,
    at: performance.now(),
    aborted: false,
    requestId: typeof rid === 'string' ? rid : null,
  };
  core.records.received.push(ctx.rec);
}

export function requestHandler(core: MockCore, record: boolean, controls: Controls): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const method = req.method ?? 'GET';
    const ctx: Ctx = { req, res, path, rec: null, userId: null, key: '', admitted: false, closed: false, selfKill: false, timer: null, out: null };
    if (path.startsWith(CONTROL_PREFIX)) {
      readBody(req, (raw) => void handleControl(ctx, method, raw, controls));
      return;
    }
    core.records.arrive();
    ctx.key = requestKey(req.headers);
    if (record) recordRequest(core, ctx, method);
    res.once('close', () => onClose(core, ctx));

    const route = findRoute(path);
    if (route === undefined) return refuse(ctx, dialectOf(path), new Refusal(404, 'Not Found: ' + method + ' ' + path));
    if (route.get ? method !== 'GET' && method !== 'HEAD' : method !== 'POST') return refuse(ctx, route.dialect, new Refusal(405));
    if (route.get) return dispatch(core, ctx, route, '');
    readBody(req, (raw) => {
      if (!ctx.closed) dispatch(core, ctx, route, raw);
    });
  };
}
