// Verified tokens cached in-process until their exp. Only the signature check is cached: revocation
// and user status are asked of Redis on every request (in the admission round trip).
import type { Identity } from '../pipeline/types.js';

interface Entry {
  identity: Identity;
  /** epoch ms after which the entry is stale; Infinity for tokens without exp */
  until: number;
}

export class TokenCache {
  private readonly map = new Map<string, Entry>();
  constructor(private readonly max: number) {}

  get(token: string, now: number): Identity | null {
    const e = this.map.get(token);
    if (!e) return null;
    if (e.until <= now) {
      this.map.delete(token);
      return null;
    }
    return e.identity;
  }

  set(token: string, identity: Identity, until: number): void {
    if (this.map.size >= this.max) {
      // evict the oldest insertion (Map keeps insertion order)
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(token, { identity, until });
  }
}
