// undici's Pool with a free list. Pool finds a connection for a request by scanning every client
// it holds until it meets a free one (PoolBase[kGetDispatcher]), twice per request (to dispatch,
// then to learn whether another is free): with N long streams in flight every new request pays
// O(N), so opening N streams costs O(N²) (bench/optimisations.md, "the pool's free list"). This
// subclass keeps the clients that became free (their 'drain') on a stack and looks there instead,
// last freed first (a connected client before a spare one, as Pool's scan prefers its oldest);
// everything else (queueing, dispatch, stats, close) is undici's.
import type { Client as ClientType, Pool as PoolType } from 'undici';
import { Client, Pool, poolBase } from './undici-core.js';

const { kClients, kNeedDrain, kAddClient, kGetDispatcher } = poolBase;

type AnyClient = InstanceType<typeof Client> & Record<symbol, unknown>;

export function createIndexedPool(origin: string, options: PoolType.Options): PoolType {
  const max = options.connections ?? null;
  /** clients that became free, last on top; one made busy by a dispatch is popped when next met on top */
  const free: AnyClient[] = [];
  /** clients the Pool dropped after a connection error: never handed out again */
  const dropped = new WeakSet<AnyClient>();
  /** what the Pool passes to its factory (its origin and client options), from its first call */
  let made: { origin: unknown; opts: unknown } | null = null;
  const factory = (o: unknown, opts: unknown): AnyClient => {
    made ??= { origin: o, opts };
    const c = new Client(o as string, opts as ClientType.Options) as AnyClient;
    c.on('drain', () => {
      if (!dropped.has(c)) free.push(c);
    });
    free.push(c);
    return c;
  };

  class IndexedPool extends Pool {
    constructor() {
      super(origin, { ...options, factory: factory as unknown as PoolType.Options['factory'] });
      this.on('connectionError', (_origin, targets) => {
        for (const t of targets as unknown as AnyClient[]) dropped.add(t);
      });
    }

    [kGetDispatcher](): AnyClient | undefined {
      while (free.length > 0) {
        const c = free[free.length - 1]!;
        if (c[kNeedDrain] || c.closed || c.destroyed || dropped.has(c)) free.pop();
        else return c;
      }
      const clients = (this as unknown as Record<symbol, AnyClient[]>)[kClients]!;
      // the first client comes from Pool itself (its scan of nothing is free), which shows the factory its arguments
      if (!made) return (Pool.prototype as unknown as Record<symbol, () => AnyClient | undefined>)[kGetDispatcher]!.call(this);
      if (max && clients.length >= max) return undefined;
      const c = factory(made.origin, made.opts);
      (this as unknown as Record<symbol, (c: AnyClient) => void>)[kAddClient]!(c);
      return c;
    }
  }
  return new IndexedPool();
}
