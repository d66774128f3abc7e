// The loader: TOML text → unknown-key warnings → env overrides → file keys → zod validation →
// a deeply frozen Config, or one ConfigError listing every problem.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { applyEnvOverrides } from './env.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import { crossCheck } from './cross-checks.js';
import { describeFsError, resolveFileKeys } from './files.js';
import { resolveConfigFile } from './resolve.js';
import { checkAccounts, listItemKey, resolveListFileKeys } from './accounts.js';
import { withStartEnv } from './state.js';
import { configSchema, schemaKeys, schemaSections, schemaTables, type Config, type KeyInfo, type SectionInfo, type TableListInfo } from './schema.js';
import type { Env, Source, SourceMap } from './sources.js';
import { closest } from './suggest.js';
import { cloneTree, deepFreeze, getPath, isTable, type Table } from './util.js';

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

const REDACTED = '<redacted>';

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

// ---- unknown keys -----------------------------------------------------------------------------

function suggestionFor(name: string, prefix: string[], siblings: string[], isTableValue: boolean): string | undefined {
  const near = closest(name, siblings);
  if (near !== undefined) return [...prefix, near].join('.');
  // Right key name, wrong table (e.g. `server.api_key`)?
  if (!isTableValue) {
    for (const k of schemaKeys().values()) if (k.path[k.path.length - 1] === name) return k.dotted;
  }
  return undefined;
}

function removeUnknownKeys(data: Table, file: string, warnings: string[]): void {
  const warn = (name: string, prefix: string[], display: string, siblings: string[], value: unknown, inItem: boolean) => {
    const tableValue = isTable(value);
    // inside an [[array]] item the only suggestions are the item's own keys
    const guess = inItem ? closest(name, siblings) : suggestionFor(name, prefix, siblings, tableValue);
    const what = tableValue ? `unknown table [${display}]` : `unknown key "${display}"`;
    const hint = guess ? (tableValue ? ` (did you mean [${guess}]?)` : ` (did you mean "${guess}"?)`) : '';
    warnings.push(`${file}: ${what}${hint}; it is ignored`);
  };
  const visit = (table: Table, prefix: string[], keys: string[], sections: SectionInfo[], lists: TableListInfo[]) => {
    const last = (p: string[]) => p[p.length - 1]!;
    const siblings = [...keys, ...sections.map((s) => last(s.path)), ...lists.map((l) => last(l.path))];
    for (const [name, value] of Object.entries(table)) {
      if (keys.includes(name)) continue;
      const sub = sections.find((s) => last(s.path) === name);
      if (sub) {
        if (isTable(value) && !sub.meta.map)
          visit(
            value,
            sub.path,
            sub.keys.map((k) => last(k.path)),
            sub.sections,
            sub.lists,
          );
        continue; // a non-table value here is reported by validation
      }
      const list = lists.find((l) => last(l.path) === name);
      if (list) {
        if (Array.isArray(value)) {
          const itemKeys = list.keys.map((k) => last(k.path));
          value.forEach((item: unknown, i) => {
            if (!isTable(item)) return;
            for (const [k, v] of Object.entries(item)) {
              if (itemKeys.includes(k)) continue;
              warn(k, list.path, `${list.dotted}[${i}].${k}`, itemKeys, v, true);
              delete item[k];
            }
          });
        }
        continue;
      }
      warn(name, prefix, [...prefix, name].join('.'), siblings, value, false);
      delete table[name];
    }
  };
  visit(data, [], [], schemaSections(), []);
}

// ---- validation issues → problems -------------------------------------------------------------

function listProblem(
  at: { key: KeyInfo | undefined; display: string; listDotted: string },
  path: readonly (string | number)[],
  message: string,
  data: Table,
  sources: SourceMap,
  file: string | null,
): ConfigProblem {
  const raw = getPath(data, path);
  const source: Source = sources.get(at.listDotted) ?? (file ? { kind: 'file', name: file } : { kind: 'default', name: 'default' });
  const wholeList = at.display === at.listDotted;
  const item = at.key === undefined && !wholeList;
  let expected = message;
  if (at.key) expected = at.key.meta.label;
  else if (wholeList) expected = `an array of tables ([[${at.listDotted}]])`;
  else if (item) expected = `a table ([[${at.listDotted}]] item)`;
  return {
    path: at.display,
    value: at.key?.meta.secret && raw !== undefined && raw !== '' ? REDACTED : raw,
    expected,
    source: source.name,
    sourceKind: source.kind,
    ...(at.key?.meta.required && raw === '' ? { missing: true } : {}),
  };
}

/** `pricing."deepseek-v4-flash".changes[1].from`: names quoted as in TOML, indexes in brackets. */
function mapKeyPath(path: readonly (string | number)[]): string {
  const [table, name, ...rest] = path;
  let out = String(table);
  if (name !== undefined) out += `.${JSON.stringify(String(name))}`;
  for (const p of rest) out += typeof p === 'number' ? `[${p}]` : `.${p}`;
  return out;
}

function issuesToProblems(issues: readonly z.core.$ZodIssue[], data: Table, sources: SourceMap, file: string | null): ConfigProblem[] {
  const keys = schemaKeys();
  const tables = schemaTables();
  const mapTables = new Set([...tables.values()].filter((t) => t.meta.map).map((t) => t.dotted));
  const seen = new Set<string>();
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    const inList = listItemKey(path);
    if (inList) {
      if (seen.has(inList.display)) continue;
      seen.add(inList.display);
      problems.push(listProblem(inList, path, issue.message, data, sources, file));
      continue;
    }
    let leafLen = 0;
    for (let i = path.length; i > 0; i--) {
      if (keys.has(path.slice(0, i).join('.'))) {
        leafLen = i;
        break;
      }
    }
    const leafDotted = path.slice(0, leafLen).join('.');
    const key = leafLen > 0 ? keys.get(leafDotted) : undefined;
    const display = key
      ? leafDotted +
        path
          .slice(leafLen)
          .map((p) => `[${String(p)}]`)
          .join('')
      : mapTables.has(String(path[0]))
        ? mapKeyPath(path)
        : path.join('.');
    if (seen.has(display)) continue;
    seen.add(display);

    const rawValue = getPath(data, path);
    const value = key?.meta.secret && rawValue !== undefined && rawValue !== '' ? REDACTED : rawValue;
    const source: Source = sources.get(leafDotted || display) ?? (file ? { kind: 'file', name: file } : { kind: 'default', name: 'default' });
    const isItem = key !== undefined && leafLen < path.length;
    const missing = key?.meta.required === true && !isItem && (rawValue === '' || (Array.isArray(rawValue) && rawValue.length === 0));
    let expected: string;
    if (key) expected = key.meta.label;
    else if (tables.has(display)) expected = `a table ([${display}])`;
    else expected = issue.message;
    problems.push({
      path: display,
      value,
      expected: isItem ? `${key!.meta.label} (item ${String(path[leafLen])} is wrong)` : expected,
      source: source.name,
      sourceKind: source.kind,
      ...(missing ? { missing: true } : {}),
    });
  }
  return problems;
}

/** Problems in schema order (the order of the reference docs), whole-file problems first. */
function inSchemaOrder(problems: ConfigProblem[]): ConfigProblem[] {
  const order = [...schemaKeys().keys()];
  const rank = (p: ConfigProblem) => {
    const base = p.path.replace(/\[.*$/, '');
    const i = order.indexOf(base);
    return i === -1 ? order.findIndex((k) => k.startsWith(`${base}.`)) : i;
  };
  return problems
    .map((p, i) => ({ p, i, r: rank(p) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.p);
}
