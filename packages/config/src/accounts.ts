// [[deepseek.accounts]]: the checks zod cannot express on one item (unique names, a key per
// account), the item-level pieces of the loader (error paths, api_key_file), and the resolved list
// of upstream accounts every process uses, with the single-key form as one account named "default".
import { dirname, resolve } from 'node:path';
import type { ConfigProblem } from './errors.js';
import { readSecretFile, sourceOf, type FileKeyContext } from './files.js';
import type { Config } from './schema.js';
import { schemaLists, type KeyInfo } from './schema-walk.js';
import type { Source, SourceMap } from './sources.js';
import { isTable } from './util.js';

/** One upstream account, resolved: base URL defaulted, key read from its file. */
export interface UpstreamAccount {
  name: string;
  apiKey: string;
  baseUrl: string;
  /** 0 = no cap */
  maxConcurrency: number;
  weight: number;
  /** empty = every model */
  models: readonly string[];
  lowBalance: number;
  enabled: boolean;
}

/** The name of the one account the single-key form (`deepseek.api_key`) configures. */
export const DEFAULT_ACCOUNT = 'default';

/** The accounts of this configuration, in file order (the single-key form is one account). */
export function upstreamAccounts(config: Pick<Config, 'deepseek'>): UpstreamAccount[] {
  const ds = config.deepseek;
  if (ds.accounts.length === 0) {
    return [
      {
        name: DEFAULT_ACCOUNT,
        apiKey: ds.api_key,
        baseUrl: ds.base_url,
        maxConcurrency: 0,
        weight: 1,
        models: [],
        lowBalance: 0,
        enabled: true,
      },
    ];
  }
  return ds.accounts.map((a) => ({
    name: a.name,
    apiKey: a.api_key,
    baseUrl: a.base_url === '' ? ds.base_url : a.base_url,
    maxConcurrency: a.max_concurrency,
    weight: a.weight,
    models: a.models,
    lowBalance: a.low_balance,
    enabled: a.enabled,
  }));
}

interface CheckContext {
  sources: SourceMap;
  file: string | null;
  problems: ConfigProblem[];
  warnings: string[];
}

/** Problems and warnings about the accounts as a whole, once every item is valid on its own. */
export function checkAccounts(config: Config, ctx: CheckContext): void {
  const accounts = config.deepseek.accounts;
  if (accounts.length === 0) return;
  const source = sourceOf(ctx, 'deepseek.accounts');
  const problem = (i: number, key: string, value: unknown, expected: string) =>
    ctx.problems.push({ path: `deepseek.accounts[${i}].${key}`, value, expected, source: source.name, sourceKind: source.kind });
  const seen = new Map<string, number>();
  accounts.forEach((a, i) => {
    // zod fills a missing key with its default without checking it, so "required" is checked here
    if (a.name === '')
      ctx.problems.push({
        path: `deepseek.accounts[${i}].name`,
        value: undefined,
        expected: 'a name (letters, digits, `_`, `.`, `-`)',
        source: source.name,
        sourceKind: source.kind,
        missing: true,
      });
    const first = seen.get(a.name);
    if (first !== undefined) problem(i, 'name', a.name, `a name no other account has (account ${first} is also "${a.name}")`);
    else seen.set(a.name, i);
    if (a.api_key.trim() === '') ctx.problems.push({ ...missingKey(i, source) });
  });
  if (config.deepseek.api_key !== '') {
    const from = ctx.sources.get('deepseek.api_key')?.name ?? 'the file';
    ctx.warnings.push(`deepseek.api_key (from ${from}) is not used: [[deepseek.accounts]] is set and lists the keys`);
  }
}

function missingKey(i: number, source: Source): ConfigProblem {
  return {
    path: `deepseek.accounts[${i}].api_key`,
    value: '',
    expected: 'an API key: set api_key or api_key_file',
    source: source.name,
    sourceKind: source.kind,
    missing: true,
  };
}

/** For a validation issue inside an array of tables: the item key it is about, and how to show it. */
export function listItemKey(path: readonly (string | number)[]): { key: KeyInfo | undefined; display: string; listDotted: string } | undefined {
  for (const list of schemaLists().values()) {
    const n = list.path.length;
    if (path.length < n || list.path.some((seg, i) => path[i] !== seg)) continue;
    if (path.length === n) return { key: undefined, display: list.dotted, listDotted: list.dotted };
    const index = path[n];
    const name = path[n + 1];
    const key = list.keys.find((k) => k.path[0] === name);
    const rest = path.slice(n + 2).map((p) => `[${String(p)}]`);
    const display = `${list.dotted}[${String(index)}]${name === undefined ? '' : `.${String(name)}`}${rest.join('')}`;
    return { key, display, listDotted: list.dotted };
  }
  return undefined;
}

/** `api_key_file` of each item: made absolute (relative to the config file) and read into `api_key`. */
export function resolveListFileKeys(ctx: FileKeyContext): void {
  for (const list of schemaLists().values()) {
    let items: unknown = ctx.data;
    for (const seg of list.path) items = isTable(items) ? items[seg] : undefined;
    if (!Array.isArray(items)) continue;
    const source = sourceOf(ctx, list.dotted);
    const base = source.kind === 'file' ? dirname(source.name) : ctx.cwd;
    items.forEach((item: unknown, i) => {
      if (!isTable(item)) return;
      for (const key of list.keys) {
        const name = key.path[0]!;
        const value = item[name];
        if (!key.meta.path || typeof value !== 'string' || value === '') continue;
        const absolute = resolve(base, value);
        item[name] = absolute;
        if (!key.meta.contentOf) continue;
        const where = `${list.dotted}[${i}].${name}`;
        const content = readSecretFile(absolute, where, key.meta.contentOf, source, ctx.problems);
        if (content === null) continue;
        const current = item[key.meta.contentOf];
        if (typeof current === 'string' && current !== '' && current !== content) {
          ctx.warnings.push(`${list.dotted}[${i}].${key.meta.contentOf} and ${where} are both set; the content of ${where} (${absolute}) is used`);
        }
        item[key.meta.contentOf] = content;
      }
    });
  }
}
