// The single error type of the loader: every problem found, not just the first.

/** Where a value (or a problem) came from. */
export type SourceKind = 'file' | 'env' | 'argv' | 'default';

export interface ConfigProblem {
  /** Key path like `deepseek.http_client.timeout_seconds` (`auth.algorithms[1]` for an item); '' for a whole-file problem. */
  path: string;
  /** The offending value as found (secrets replaced by "<redacted>"); undefined when absent. */
  value: unknown;
  /** What was expected, e.g. `integer 1..65535`. */
  expected: string;
  /** The config file path, the environment variable name, or `--config`. */
  source: string;
  sourceKind: SourceKind;
  /** An empty value where a non-empty one is required. */
  missing?: boolean;
  /** For TOML syntax errors. */
  line?: number;
  column?: number;
  /** Extra detail (e.g. the TOML code frame or an OS error). */
  detail?: string;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID' as const;
  readonly problems: readonly ConfigProblem[];
  readonly warnings: readonly string[];
  readonly file: string | null;

  constructor(problems: ConfigProblem[], opts: { file: string | null; warnings?: string[] }) {
    const warnings = opts.warnings ?? [];
    super(formatConfigErrorMessage(problems, opts.file, warnings));
    this.name = 'ConfigError';
    this.problems = Object.freeze(problems.map((p) => Object.freeze({ ...p })));
    this.warnings = Object.freeze([...warnings]);
    this.file = opts.file;
  }
}

export function isConfigError(err: unknown): err is ConfigError {
  return err instanceof ConfigError;
}

/** A value as it is shown in messages: strings quoted, lists as JSON, URL passwords masked. */
export function formatValue(value: unknown): string {
  if (value === undefined) return '(missing)';
  if (typeof value === 'string') return JSON.stringify(maskUrlPassword(value));
  if (typeof value === 'bigint') return String(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (value instanceof Date) return value.toISOString();
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : typeof v === 'string' ? maskUrlPassword(v) : v));
  } catch {
    return String(value);
  }
}

/** `redis://user:pw@host` → `redis://user:***@host`; anything else unchanged. */
export function maskUrlPassword(value: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(value)) return value;
  try {
    const u = new URL(value);
    if (u.password === '') return value;
    u.password = '***';
    return u.toString();
  } catch {
    return value;
  }
}

export function formatSource(p: Pick<ConfigProblem, 'source' | 'sourceKind' | 'line' | 'column'>): string {
  switch (p.sourceKind) {
    case 'env':
      return `env ${p.source}`;
    case 'argv':
      return p.source;
    case 'default':
      return 'default';
    case 'file':
      return p.line !== undefined ? `${p.source}:${p.line}:${p.column ?? 1}` : p.source;
  }
}

export function formatProblem(p: ConfigProblem): string {
  const where = formatSource(p);
  let what: string;
  if (p.path === '') what = p.value === undefined ? '' : `${formatValue(p.value)}, `;
  else if (p.missing) what = `${p.path} is missing (empty), `;
  else what = `${p.path} = ${formatValue(p.value)}, `;
  let line = `${where}: ${what}expected ${p.expected}`;
  if (p.detail) line += `\n${indent(p.detail.trimEnd(), '      ')}`;
  return line;
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => (l === '' ? l : prefix + l))
    .join('\n');
}

export function formatConfigErrorMessage(problems: readonly ConfigProblem[], file: string | null, warnings: readonly string[]): string {
  const n = problems.length;
  const lines = [
    `Invalid configuration (${n} problem${n === 1 ? '' : 's'}; ${file ? `config file ${file}` : 'no config file'}):`,
    ...problems.map((p) => `  - ${formatProblem(p)}`),
  ];
  if (warnings.length > 0) {
    lines.push('Warnings:', ...warnings.map((w) => `  - ${w}`));
  }
  return lines.join('\n');
}
