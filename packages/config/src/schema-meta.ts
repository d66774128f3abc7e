// The metadata every schema node carries, kept in zod registries: the loader (env typing, path
// resolution, secret files) and the reference renderer read it back by walking the schema.
import { z } from 'zod';

/** How a string from an environment variable is turned into a value of this key. */
export type ValueKind = 'string' | 'integer' | 'number' | 'boolean' | 'list' | 'map' | 'number_list';

export interface KeyMeta {
  kind: ValueKind;
  /** Human-readable type, used in the docs and as the "expected" part of validation errors. */
  label: string;
  description: string;
  /** An empty string (or empty list) here means "missing". */
  required?: boolean;
  /** Never echoed in errors, warnings or redacted configs. */
  secret?: boolean;
  /** The value is a file path (or a list of paths) resolved to an absolute path at load time. */
  path?: 'file' | 'files';
  /** For `*_file` keys: the key (dotted path) that receives the trimmed file content. */
  contentOf?: string;
  /** Other environment variables that also set this key (weaker than the DSP_ form). */
  envAliases?: string[];
}

export interface SectionMeta {
  description: string;
  /**
   * A table of named tables (`[pricing."<model>"]`) checked by its own parser rather than by leaf
   * keys: `doc` is its Markdown reference, `example` the commented TOML shown in the example file.
   */
  map?: { doc: string; example: string };
}

/** An array of tables (`[[deepseek.accounts]]`): its items are tables of leaf keys. */
export interface TableListMeta {
  description: string;
  /** One item as it is shown (commented out) in the example config and the docs. */
  example: Record<string, unknown>;
}

/** Metadata of every leaf key, keyed by its (default-wrapped) schema instance. */
export const keyMeta = z.registry<KeyMeta>();
/** Metadata of every [section] table. */
export const sectionMeta = z.registry<SectionMeta>();
/** Metadata of every [[array of tables]]. */
export const tableListMeta = z.registry<TableListMeta>();
