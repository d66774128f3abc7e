// File-valued keys: paths resolved to absolute paths (relative to the config file when they came
// from it, else to the working directory); `*_file` secrets read into their target key.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ConfigProblem } from './errors.js';
import { schemaKeys } from './schema-walk.js';
import type { Source, SourceMap } from './sources.js';
import { getPath, setPath, type Table } from './util.js';

export interface FileKeyContext {
  data: Table;
  sources: SourceMap;
  file: string | null;
  cwd: string;
  problems: ConfigProblem[];
  warnings: string[];
}

/** Where the value at `dotted` came from (the config file when nothing else set it). */
export function sourceOf(ctx: Pick<FileKeyContext, 'sources' | 'file'>, dotted: string): Source {
  return ctx.sources.get(dotted) ?? (ctx.file ? { kind: 'file', name: ctx.file } : { kind: 'default', name: 'default' });
}

export function resolveFileKeys(ctx: FileKeyContext): void {
  for (const key of schemaKeys().values()) {
    if (!key.meta.path) continue;
    const source = sourceOf(ctx, key.dotted);
    const base = source.kind === 'file' ? dirname(source.name) : ctx.cwd;
    const value = getPath(ctx.data, key.path);

    if (key.meta.path === 'files') {
      if (Array.isArray(value)) {
        setPath(
          ctx.data,
          key.path,
          value.map((v: unknown) => (typeof v === 'string' && v !== '' ? resolve(base, v) : v)),
        );
      }
      continue;
    }
    if (typeof value !== 'string' || value === '') continue;
    const absolute = resolve(base, value);
    setPath(ctx.data, key.path, absolute);

    if (!key.meta.contentOf) continue;
    const target = key.meta.contentOf.split('.');
    const content = readSecretFile(absolute, key.dotted, key.meta.contentOf, source, ctx.problems);
    if (content === null) continue;
    const current = getPath(ctx.data, target);
    if (typeof current === 'string' && current !== '' && current !== content) {
      ctx.warnings.push(`${key.meta.contentOf} and ${key.dotted} are both set; the content of ${key.dotted} (${absolute}) is used`);
    }
    setPath(ctx.data, target, content);
    ctx.sources.set(key.meta.contentOf, source);
  }
}

/**
 * The trimmed content of a `*_file` secret, or null after recording why it cannot be used (not
 * readable, or empty) as a problem at `where`.
 */
export function readSecretFile(absolute: string, where: string, contentOf: string, source: Source, problems: ConfigProblem[]): string | null {
  const problem = { path: where, value: absolute, source: source.name, sourceKind: source.kind };
  let content: string;
  try {
    content = readFileSync(absolute, 'utf8').trim();
  } catch (err) {
    problems.push({ ...problem, expected: `a readable file holding ${contentOf}`, detail: describeFsError(err) });
    return null;
  }
  if (content === '') {
    problems.push({ ...problem, expected: `a file holding a non-empty ${contentOf} (the file is empty)` });
    return null;
  }
  return content;
}

export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'file not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, not a file';
    default:
      return code ?? String(err);
  }
}
