// as apps/gateway/src/pipeline/*.ts: only http/ touches uWebSockets.js (type imports too)
import type { HttpResponse } from 'uWebSockets.js';

export const fixture = (res: HttpResponse) => res.end();
