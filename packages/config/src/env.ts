// Environment overrides: DSP_<SECTION>__<KEY> (case-insensitive, `__` per nesting level) and the
// usual DEEPSEEK_API_KEY / REDIS_URL / DATABASE_URL, which the DSP_ forms beat.
import { schemaKeys, schemaLists, schemaTables } from './schema-walk.js';
import type { ValueKind } from './schema-meta.js';
import type { Env, SourceMap } from './sources.js';
import { closest } from './suggest.js';
import { setPath, type Table } from './util.js';

/** The environment variable that names the config file (not a config key). */
export const CONFIG_ENV_VAR = 'DSP_CONFIG';

const NUMBER_RE = /^[+-]?(?:\d[\d_]*(?:\.\d[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?$/;

/**
 * Types an environment string for a key of the given kind. A string that does not fit is returned
 * unchanged, so validation reports it (with the variable's name) like any other wrong value.
 */
export function typeEnvValue(kind: ValueKind, raw: string): unknown {
  switch (kind) {
    case 'string':
      return raw;
    case 'integer':
    case 'number': {
      const t = raw.trim();
      return NUMBER_RE.test(t) ? Number(t.replace(/_/g, '')) : raw;
    }
    case 'boolean': {
      const t = raw.trim().toLowerCase();
      if (t === 'true' || t === '1') return true;
      if (t === 'false' || t === '0') return false;
      return raw;
    }
    case 'map': {
      // a JSON object, or `name=target,name=target`
      const t = raw.trim();
      if (t.startsWith('{')) {
        try {
          const parsed: unknown = JSON.parse(t);
          return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : raw;
        } catch {
          return raw;
        }
      }
      const pairs = t === '' ? [] : t.split(',').map((p) => p.split('=').map((s) => s.trim()));
      return pairs.every((p) => p.length === 2) ? Object.fromEntries(pairs) : raw;
    }
    case 'number_list': {
      const list = typeEnvValue('list', raw);
      return Array.isArray(list) ? list.map((v) => (typeof v === 'string' && NUMBER_RE.test(v) ? Number(v) : v)) : list;
    }
    case 'list': {
      const t = raw.trim();
      if (t.startsWith('[')) {
        try {
          const parsed: unknown = JSON.parse(t);
          return Array.isArray(parsed) ? parsed : raw;
        } catch {
          return raw;
        }
      }
      return t === ''
        ? []
        : t
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '');
    }
  }
}

/** Applies the environment to `data` (the parsed file), recording sources; returns warnings. */
export function applyEnvOverrides(data: Table, env: Env, sources: SourceMap): string[] {
  const warnings: string[] = [];
  const keys = schemaKeys();

  // 1. The usual variables (ignored when empty, so `REDIS_URL=` in a compose file is harmless).
  for (const key of keys.values()) {
    for (const alias of key.meta.envAliases ?? []) {
      const value = env[alias];
      if (value === undefined || value === '') continue;
      setPath(data, key.path, typeEnvValue(key.meta.kind, value));
      sources.set(key.dotted, { kind: 'env', name: alias });
    }
  }

  // 2. DSP_ variables, applied after, so they win. Sorted for a deterministic outcome.
  const tables = schemaTables();
  const allEnvNames = [...keys.values()].map((k) => k.envVar);
  const names = Object.keys(env)
    .filter((n) => n.toUpperCase().startsWith('DSP_') && n.toUpperCase() !== CONFIG_ENV_VAR)
    .sort();
  for (const name of names) {
    const value = env[name];
    if (value === undefined) continue;
    const segments = name.slice(4).toLowerCase().split('__');
    const dotted = segments.join('.');
    const key = keys.get(dotted);
    if (key) {
      setPath(data, key.path, typeEnvValue(key.meta.kind, value));
      sources.set(key.dotted, { kind: 'env', name });
      continue;
    }
    const list = schemaLists().get(dotted);
    if (list) {
      // an array of tables is given whole, as a JSON array of objects; anything else is left for validation to report
      let parsed: unknown = value;
      try {
        parsed = JSON.parse(value);
      } catch {
        warnings.push(`env ${name}: not JSON; [[${dotted}]] is set by a JSON array of tables, e.g. [{"name":"main","api_key":"sk-..."}]`);
      }
      setPath(data, list.path, parsed);
      sources.set(list.dotted, { kind: 'env', name });
      continue;
    }
    if (tables.has(dotted)) {
      warnings.push(`env ${name}: names the table [${dotted}], not a key; set its keys as ${name.toUpperCase()}__<KEY>; it is ignored`);
      continue;
    }
    const guess = closest(name.toUpperCase(), allEnvNames);
    warnings.push(`env ${name}: unknown configuration key "${dotted}"${guess ? ` (did you mean ${guess}?)` : ''}; it is ignored`);
  }
  return warnings;
}
