// Book-keeping of where each configured value came from, for error messages.
import type { SourceKind } from './errors.js';

export interface Source {
  kind: SourceKind;
  /** File path, environment variable name, or `--config`. */
  name: string;
}

/** Overrides by dotted key path; anything not in here came from the config file (or a default). */
export type SourceMap = Map<string, Source>;

export type Env = Readonly<Record<string, string | undefined>>;
