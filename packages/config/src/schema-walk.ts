// Walking the schema: every leaf key, table and array of tables with its path, environment
// variable name, metadata and default, in schema order (for the loader, env overrides and docs).
import type { z } from 'zod';
import { configSchema } from './schema.js';
import { keyMeta, sectionMeta, tableListMeta, type KeyMeta, type SectionMeta, type TableListMeta } from './schema-meta.js';

export interface KeyInfo {
  /** ['deepseek', 'http_client', 'timeout_seconds'] */
  path: string[];
  /** 'deepseek.http_client.timeout_seconds' */
  dotted: string;
  /** 'DSP_DEEPSEEK__HTTP_CLIENT__TIMEOUT_SECONDS' */
  envVar: string;
  meta: KeyMeta;
  default: unknown;
}

export interface SectionInfo {
  path: string[];
  dotted: string;
  meta: SectionMeta;
  /** Leaf keys directly in this table, in schema order. */
  keys: KeyInfo[];
  /** Nested tables, in schema order. */
  sections: SectionInfo[];
  /** Arrays of tables directly in this table (their item keys are not in schemaKeys()). */
  lists: TableListInfo[];
}

export interface TableListInfo {
  /** ['deepseek', 'accounts'] */
  path: string[];
  dotted: string;
  envVar: string;
  meta: TableListMeta;
  /** The keys of one item; `path` is relative to the item (['api_key']). */
  keys: KeyInfo[];
}

export function envVarName(path: readonly string[]): string {
  return `DSP_${path.join('__').toUpperCase()}`;
}

function walk(shape: z.ZodRawShape, prefix: string[]): { keys: KeyInfo[]; sections: SectionInfo[]; lists: TableListInfo[] } {
  const keys: KeyInfo[] = [];
  const sections: SectionInfo[] = [];
  const lists: TableListInfo[] = [];
  for (const [name, child] of Object.entries(shape)) {
    const path = [...prefix, name];
    const lm = tableListMeta.get(child);
    if (lm) {
      const item = (child as unknown as z.ZodDefault<z.ZodArray<z.ZodObject>>).unwrap().element;
      const itemKeys = walk(item.shape, []).keys;
      lists.push({ path, dotted: path.join('.'), envVar: envVarName(path), meta: lm, keys: itemKeys });
      continue;
    }
    const km = keyMeta.get(child);
    if (km) {
      const dflt = (child as unknown as z.ZodDefault<z.ZodType>).def.defaultValue;
      keys.push({ path, dotted: path.join('.'), envVar: envVarName(path), meta: km, default: dflt });
      continue;
    }
    const sm = sectionMeta.get(child);
    if (!sm) throw new Error(`config schema: ${path.join('.')} has no metadata`);
    if (sm.map) {
      sections.push({ path, dotted: path.join('.'), meta: sm, keys: [], sections: [], lists: [] });
      continue;
    }
    const inner = (child as unknown as z.ZodPrefault<z.ZodObject>).unwrap();
    const sub = walk(inner.shape, path);
    sections.push({ path, dotted: path.join('.'), meta: sm, ...sub });
  }
  return { keys, sections, lists };
}

let cachedSections: SectionInfo[] | undefined;
let cachedKeys: Map<string, KeyInfo> | undefined;

/** The top-level sections of the schema, with their keys and nested tables, in schema order. */
export function schemaSections(): SectionInfo[] {
  cachedSections ??= walk(configSchema.shape, []).sections;
  return cachedSections;
}

function collectKeys(sections: SectionInfo[], into: Map<string, KeyInfo>): void {
  for (const s of sections) {
    for (const k of s.keys) into.set(k.dotted, k);
    collectKeys(s.sections, into);
  }
}

/** Every leaf key by dotted path, in schema order. */
export function schemaKeys(): Map<string, KeyInfo> {
  if (!cachedKeys) {
    cachedKeys = new Map();
    collectKeys(schemaSections(), cachedKeys);
  }
  return cachedKeys;
}

/** Every array of tables by dotted path. */
export function schemaLists(): Map<string, TableListInfo> {
  const out = new Map<string, TableListInfo>();
  const visit = (list: SectionInfo[]) => {
    for (const s of list) {
      for (const l of s.lists) out.set(l.dotted, l);
      visit(s.sections);
    }
  };
  visit(schemaSections());
  return out;
}

/** Every table (section) by dotted path. */
export function schemaTables(): Map<string, SectionInfo> {
  const out = new Map<string, SectionInfo>();
  const visit = (list: SectionInfo[]) => {
    for (const s of list) {
      out.set(s.dotted, s);
      visit(s.sections);
    }
  };
  visit(schemaSections());
  return out;
}
