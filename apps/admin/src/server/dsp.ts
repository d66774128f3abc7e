// Loads @dsp/db (the service layer) at run time with Node's own module loader instead of bundling
// it. Turbopack always compiles workspace packages into the server bundle (serverExternalPackages
// does not apply to them), and @dsp/db's migrator refers to its SQL directory with
// `new URL('../migrations/', import.meta.url)`, which a bundle cannot resolve. Loaded unbundled,
// it runs exactly as the CLI runs it. Only types are imported statically.
import 'server-only';
import type * as DbModule from '@dsp/db';

export type Db = typeof DbModule;

const KEY = Symbol.for('dsp.admin.db-module');
type Holder = { [KEY]?: Promise<Db> };

export function loadDb(): Promise<Db> {
  const g = globalThis as Holder;
  return (g[KEY] ??= import(/* webpackIgnore: true */ /* turbopackIgnore: true */ '@dsp/db') as Promise<Db>);
}

/** The service error's code when `e` is one, else null. */
export async function serviceErrorCode(e: unknown): Promise<DbModule.ServiceErrorCode | null> {
  const { isServiceError } = await loadDb();
  return isServiceError(e) ? e.code : null;
}
