// The builders the config sections are written with: each leaf key gets its default, description
// and metadata in one call, each table its description.
import { z } from 'zod';
import { keyMeta, sectionMeta, tableListMeta, type KeyMeta, type SectionMeta, type TableListMeta } from './schema-meta.js';

export function leaf<T extends z.ZodType>(schema: T, meta: KeyMeta): T {
  const described = schema.describe(meta.description);
  keyMeta.add(described, meta);
  return described;
}

export interface TextOptions {
  required?: boolean;
  label?: string;
  check?: (value: string) => boolean;
  secret?: boolean;
  path?: 'file';
  contentOf?: string;
  envAliases?: string[];
}

export function text(dflt: string, description: string, opts: TextOptions = {}) {
  const base = opts.label ?? (opts.path ? 'file path' : 'string');
  const label = opts.required ? `non-empty ${base}` : base;
  let s = z.string();
  if (opts.required) s = s.min(1, 'required');
  const checked = opts.check ? s.refine(opts.check, label) : s;
  return leaf(checked.default(dflt), {
    kind: 'string',
    label,
    description,
    ...(opts.required ? { required: true } : {}),
    ...(opts.secret ? { secret: true } : {}),
    ...(opts.path ? { path: opts.path } : {}),
    ...(opts.contentOf ? { contentOf: opts.contentOf } : {}),
    ...(opts.envAliases ? { envAliases: opts.envAliases } : {}),
  });
}

export function integer(dflt: number, description: string, range: { min: number; max?: number }) {
  let s = z.number().int().min(range.min);
  if (range.max !== undefined) s = s.max(range.max);
  const label = range.max !== undefined ? `integer ${range.min}..${range.max}` : `integer >= ${range.min}`;
  return leaf(s.default(dflt), { kind: 'integer', label, description });
}

/** A (possibly fractional) number that must be > 0, or >= 0 with `allowZero`. */
export function number(dflt: number, description: string, opts: { allowZero?: boolean } = {}) {
  const s = opts.allowZero ? z.number().min(0) : z.number().positive();
  return leaf(s.default(dflt), {
    kind: 'number',
    label: opts.allowZero ? 'number >= 0' : 'number > 0',
    description,
  });
}

export function flag(dflt: boolean, description: string) {
  return leaf(z.boolean().default(dflt), { kind: 'boolean', label: 'boolean', description });
}

export function oneOf<const V extends readonly [string, ...string[]]>(values: V, dflt: V[number], description: string) {
  const label = values.map((v) => JSON.stringify(v)).join(' | ');
  return leaf(z.enum(values).default(dflt as never), { kind: 'string', label, description });
}

export interface ListOptions {
  nonEmpty?: boolean;
  path?: 'files';
}

export function list<T extends z.ZodType<string>>(item: T, itemLabel: string, dflt: z.output<T>[], description: string, opts: ListOptions = {}) {
  const s = opts.nonEmpty ? z.array(item).min(1) : z.array(item);
  return leaf(s.default(dflt as never), {
    kind: 'list',
    label: `${opts.nonEmpty ? 'non-empty ' : ''}list of ${itemLabel}`,
    description,
    ...(opts.nonEmpty ? { required: true } : {}),
    ...(opts.path ? { path: opts.path } : {}),
  });
}

/** A table of string → string (an inline TOML table), e.g. model aliases. */
export function map(itemLabel: string, description: string) {
  const s = z.record(z.string().min(1), z.string().min(1));
  return leaf(s.default({}), { kind: 'map', label: `table of ${itemLabel}`, description });
}

/** A number-list leaf, e.g. alert thresholds. */
export function numberList(item: z.ZodNumber, itemLabel: string, dflt: number[], description: string) {
  return leaf(z.array(item).default(dflt as never), { kind: 'number_list', label: `list of ${itemLabel}`, description });
}

/** A table of named tables validated by `parse`, which reports every problem with its path. */
export function mapSection<T>(
  meta: SectionMeta & { map: NonNullable<SectionMeta['map']> },
  parse: (raw: unknown) => { value: T; problems: { path: (string | number)[]; message: string }[] },
) {
  const s = z
    .unknown()
    .transform((raw, ctx) => {
      const { value, problems } = parse(raw);
      for (const p of problems) ctx.addIssue({ code: 'custom', message: p.message, path: p.path, input: raw });
      return value;
    })
    .prefault({} as never);
  sectionMeta.add(s, meta);
  return s;
}

export function section<S extends z.ZodRawShape>(description: string, shape: S) {
  const s = z.object(shape).prefault({} as never);
  sectionMeta.add(s, { description });
  return s;
}

/** An array of tables whose items have the leaf keys of `shape`; empty by default. */
export function tableList<S extends z.ZodRawShape>(meta: TableListMeta, shape: S) {
  const s = z.array(z.object(shape)).default([]);
  tableListMeta.add(s, meta);
  return s;
}
