// The `connect` of the per-request debug line: how long this request waited for a new upstream
// connection, 0 when it reused one (the seed's log line). The connector stamps each new socket with
// its connect time and the first request written on that socket takes the stamp. Only undici's
// diagnostics channel tells which request went on which socket, so requests are matched by the
// x-request-id the gateway sends — and all this runs only while the debug line is logged.
import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';

const STAMP = Symbol('dsp.connectMs');
const RID = 'x-request-id: ';

type Stamped = Socket & { [STAMP]?: number };

export interface ConnectTimed {
  /** ms spent connecting for this request; 0 = reused; null = never written upstream */
  connectMs: number | null;
}

export class ConnectTimes {
  private readonly waiting = new Map<string, ConnectTimed>();

  constructor() {
    subscribe('undici:client:sendHeaders', (m) => this.onSendHeaders(m as { headers: string; socket: Stamped }));
  }

  /** A new connection: its first request will carry this connect time. */
  stamp(socket: Socket, ms: number): void {
    (socket as Stamped)[STAMP] = ms;
  }

  watch(requestId: string, target: ConnectTimed): void {
    this.waiting.set(requestId, target);
  }

  unwatch(requestId: string): void {
    this.waiting.delete(requestId);
  }

  private onSendHeaders({ headers, socket }: { headers: string; socket: Stamped }): void {
    const i = headers.indexOf(RID);
    if (i === -1) return;
    const rid = headers.slice(i + RID.length, headers.indexOf('\r\n', i));
    const target = this.waiting.get(rid);
    if (!target) return;
    this.waiting.delete(rid);
    target.connectMs = socket[STAMP] ?? 0;
    socket[STAMP] = 0; // every later request on this socket reuses it
  }
}
