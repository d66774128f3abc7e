// A fake of the DeepSeek HTTP API on node:http: faithful framing, fault injection, per-key accounts,
// bookkeeping. This file assembles it: the listener (listener.ts), a request's way in (intake.ts),
// its answer (dispatch.ts), and the controls tests drive it with (here and /_mock/*, control.ts).

import type { MockDeepSeek, MockOptions } from './api.js';
import { applyBehaviour, BUILTIN_DEFAULTS, type MockBehaviour } from './behaviour.js';
import type { Controls, MockStats } from './control.js';
import type { MockCore } from './dispatch.js';
import { Gate, type DownMode } from './gate.js';
import { requestHandler } from './intake.js';
import type { KeyBehaviour } from './keys.js';
import { Listener } from './listener.js';
import { Records } from './records.js';

export type { ReceivedRequest, IssuedUsage, KeyStats } from './records.js';
export type { MockOptions, MockDeepSeek } from './api.js';
export type { DownMode } from './gate.js';

/** The controls of a running mock; `setDown('refuse')` closes the port, coming back reopens it. */
function mockControls(core: MockCore, listener: Listener, port: () => number): Controls & { setDown(mode: DownMode): Promise<void> } {
  const { records, gate } = core;
  return {
    stats: (): MockStats => ({
      inFlight: records.inflight,
      peak: records.peak,
      aborted: records.aborted,
      issued: { ...records.issued },
      down: gate.down,
      keys: records.allKeyStats(),
    }),
    setKey: (key: string, b: KeyBehaviour | null) => gate.setKey(key, b),
    async setDown(mode: DownMode): Promise<void> {
      const was = gate.down;
      if (mode === was) return;
      gate.down = mode;
      if (mode === 'refuse') await listener.stop();
      else if (was === 'refuse') await listener.listen(port());
    },
    reset: () => records.reset(),
  };
}

export async function startMockDeepSeek(opts: MockOptions = {}): Promise<MockDeepSeek> {
  const startup = applyBehaviour(BUILTIN_DEFAULTS, opts as Record<string, unknown>);
  const records = new Records();
  const core: MockCore = { records, gate: new Gate(records, opts.requireKey, opts.keys, opts.down ?? false), defaults: startup };
  const listener = new Listener(opts.host ?? '127.0.0.1');
  let port = 0;
  const controls = mockControls(core, listener, () => port);
  listener.serve(requestHandler(core, opts.record ?? true, controls));
  await listener.listen(opts.port ?? 0);
  port = listener.port;

  return {
    url: listener.url(),
    port,
    received: records.received,
    peakConcurrency: (userId?: string) => (userId === undefined ? records.peak : records.userPeak(userId)),
    inFlight: () => records.inflight,
    keyStats: (key: string) => records.keyStats(key),
    issuedUsage: () => ({ ...records.issued }),
    abortedCount: () => records.aborted,
    lastAbortAt: () => records.lastAbort,
    setBehaviour(b: MockBehaviour): void {
      core.defaults = applyBehaviour(startup, b as Record<string, unknown>);
    },
    ...controls,
    close: () => listener.stop(),
  };
}
