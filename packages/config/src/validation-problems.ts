// zod's validation issues turned into ConfigProblems: one per key, named as in TOML, with the
// value (secrets redacted), the expected type and where the value came from, in schema order.
import type { z } from 'zod';
import { listItemKey } from './accounts.js';
import type { ConfigProblem } from './errors.js';
import { schemaKeys, schemaTables, type KeyInfo } from './schema-walk.js';
import type { Source, SourceMap } from './sources.js';
import { getPath, type Table } from './util.js';

const REDACTED = '<redacted>';

/** Where a value came from: its recorded source, else the file, else the defaults. */
function sourceOf(sources: SourceMap, dotted: string, file: string | null): Source {
  return sources.get(dotted) ?? (file ? { kind: 'file', name: file } : { kind: 'default', name: 'default' });
}

/** The value as a problem shows it: a secret key's non-empty value never is. */
function shown(key: KeyInfo | undefined, raw: unknown): unknown {
  return key?.meta.secret && raw !== undefined && raw !== '' ? REDACTED : raw;
}

function listProblem(
  at: { key: KeyInfo | undefined; display: string; listDotted: string },
  path: readonly (string | number)[],
  message: string,
  data: Table,
  sources: SourceMap,
  file: string | null,
): ConfigProblem {
  const raw = getPath(data, path);
  const source = sourceOf(sources, at.listDotted, file);
  const wholeList = at.display === at.listDotted;
  const item = at.key === undefined && !wholeList;
  let expected = message;
  if (at.key) expected = at.key.meta.label;
  else if (wholeList) expected = `an array of tables ([[${at.listDotted}]])`;
  else if (item) expected = `a table ([[${at.listDotted}]] item)`;
  return {
    path: at.display,
    value: shown(at.key, raw),
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

export function issuesToProblems(issues: readonly z.core.$ZodIssue[], data: Table, sources: SourceMap, file: string | null): ConfigProblem[] {
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
    const value = shown(key, rawValue);
    const source = sourceOf(sources, leafDotted || display, file);
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
export function inSchemaOrder(problems: ConfigProblem[]): ConfigProblem[] {
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
