// At most one log line per key (a token) per interval: a client hammering the gateway into 429s
// must not flood the log. The line that is written carries how many were held back since the
// previous one for that key.
import { performance } from 'node:perf_hooks';

interface Slot {
  /** when the last line for this key was written */
  at: number;
  /** lines held back since then */
  held: number;
}

export class WarnLimiter {
  private readonly slots = new Map<string, Slot>();

  constructor(
    private readonly intervalMs = 1000,
    private readonly maxKeys = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** null: hold this line back; else write it, with the count of lines held back before it. */
  admit(key: string): number | null {
    const t = this.now();
    const slot = this.slots.get(key);
    if (slot && t - slot.at < this.intervalMs) {
      slot.held++;
      return null;
    }
    const held = slot?.held ?? 0;
    if (slot) {
      slot.at = t;
      slot.held = 0;
    } else {
      if (this.slots.size >= this.maxKeys) this.forgetQuiet(t);
      this.slots.set(key, { at: t, held: 0 });
    }
    return held;
  }

  /** Drops keys quiet for an interval (their held-back count is no longer owed to a next line). */
  private forgetQuiet(t: number): void {
    for (const [k, s] of this.slots) if (t - s.at >= this.intervalMs) this.slots.delete(k);
    // every key still within its interval: drop the oldest rather than grow without bound
    if (this.slots.size >= this.maxKeys) this.slots.delete(this.slots.keys().next().value!);
  }
}
