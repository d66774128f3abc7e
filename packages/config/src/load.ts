// The loader: TOML text → unknown-key warnings → env overrides → file keys → zod validation →
// a deeply frozen Config, or one ConfigError listing every problem.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { applyEnvOverrides } from './env.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import { crossCheck } from './cross-checks.js';
import { describeFsError, resolveFileKeys } from './files.js';
import { resolveConfigFile } from './resolve.js';
import { checkAccounts, resolveListFileKeys } from './accounts.js';
import { withStartEnv } from './state.js';
import { configSchema, type Config } from './schema.js';
import type { Env, Source, SourceMap } from './sources.js';
import { removeUnknownKeys } from './unknown-keys.js';
import { cloneTree, deepFreeze, type Table } from './util.js';
import { inSchemaOrder, issuesToProblems } from './validation-problems.js';

export interface LoadedConfig {
  config: Config;
  /** Absolute path of the file loaded, or null when none was (defaults + environment). */
  file: string | null;
  /** Non-fatal findings: unknown keys in the file or the environment, conflicting settings. */
  warnings: string[];
  /** The ./.dsp/start.env whose variables were used (see state.ts), or null. */
  startEnvFile?: string | null;
}

export interface LoadOptions {
  /** Command-line arguments (default: `process.argv.slice(2)`); `--config FILE` is looked for. */
  argv?: readonly string[];
  /** Environment (default: `process.env`). */
  env?: Env;
  /** Working directory (default: `process.cwd()`). */
  cwd?: string;
  /** Use ./.dsp/start.env when no config file is named (default true; `pnpm start` itself says false). */
  startEnv?: boolean;
}

export interface ParseOptions {
  /** The file name the text came from: used in messages and as the base of relative paths. */
  file: string;
  /** Environment overrides to apply (default: none — parseConfig is pure unless given one). */
  env?: Env;
  /** Base of `file` when it is relative, and of env-given relative paths (default: `process.cwd()`). */
  cwd?: string;
}

/** Loads the configuration for a process: finds the file, applies the environment, validates. */
export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const cwd = opts.cwd ?? process.cwd();
  const argv = opts.argv ?? process.argv.slice(2);
  const { env, startEnv } =
    opts.startEnv === false ? { env: opts.env ?? process.env, startEnv: null } : withStartEnv({ argv, env: opts.env ?? process.env, cwd });
  const startEnvFile = startEnv?.file ?? null;
  const choice = resolveConfigFile({ argv, env, cwd });
  if (choice.file === null) return { ...build(null, null, env, cwd), startEnvFile };
  let text: string;
  try {
    text = readFileSync(choice.file, 'utf8');
  } catch (err) {
    const source: Source = choice.explicit ? choice.source : { kind: 'file', name: choice.file };
    throw new ConfigError(
      [
        {
          path: '',
          value: choice.file,
          expected: 'an existing, readable TOML file',
          source: source.name,
          sourceKind: source.kind,
          detail: describeFsError(err),
        },
      ],
      { file: choice.file },
    );
  }
  return { ...build(text, choice.file, env, cwd), startEnvFile };
}

/** Parses and validates config text as if it had been read from `opts.file`. */
export function parseConfig(text: string, opts: ParseOptions): LoadedConfig {
  const cwd = opts.cwd ?? process.cwd();
  return build(text, resolve(cwd, opts.file), opts.env ?? {}, cwd);
}

/** The configuration with every key at its default (no file, no environment), deeply frozen. */
export function defaultConfig(): Config {
  return deepFreeze(configSchema.parse({}));
}

function build(text: string | null, file: string | null, env: Env, cwd: string): LoadedConfig {
  const data: Table = text === null || file === null ? {} : parseText(text, file);
  const warnings: string[] = [];
  const problems: ConfigProblem[] = [];
  const sources: SourceMap = new Map();

  if (file !== null) removeUnknownKeys(data, file, warnings);
  warnings.push(...applyEnvOverrides(data, env, sources));
  resolveFileKeys({ data, sources, file, cwd, problems, warnings });
  resolveListFileKeys({ data, sources, file, cwd, problems, warnings });

  const result = configSchema.safeParse(data);
  if (!result.success) problems.push(...issuesToProblems(result.error.issues, data, sources, file));
  else checkAccounts(result.data, { sources, file, problems, warnings });
  // rules spanning several keys run whether or not the types passed: every problem at once
  for (const p of crossCheck(data, sources, file)) if (!problems.some((q) => q.path === p.path)) problems.push(p);
  if (problems.length > 0 || !result.success) throw new ConfigError(inSchemaOrder(problems), { file, warnings });
  return { config: deepFreeze(result.data), file, warnings };
}

function parseText(text: string, file: string): Table {
  try {
    return cloneTree(parseToml(text, { integersAsBigInt: 'asNeeded' })) as Table;
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    const reason = err.message.split('\n')[0]!.replace(/^Invalid TOML document:\s*/, '');
    throw new ConfigError(
      [
        {
          path: '',
          value: undefined,
          expected: 'valid TOML syntax',
          source: file,
          sourceKind: 'file',
          line: err.line,
          column: err.column,
          detail: `TOML syntax error at line ${err.line}, column ${err.column}: ${reason}\n${err.codeblock}`,
        },
      ],
      { file },
    );
  }
}
