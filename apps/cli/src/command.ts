// The shape of a CLI command and the errors the dispatcher maps to exit codes.
import type { ParseArgsConfig } from 'node:util';
import { MAX_BUDGET, validateBudget } from '@dsp/db';
import type { Context } from './context.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export interface Command {
  /** words after `dsp`, e.g. ['user', 'create'] */
  path: readonly string[];
  summary: string;
  /** argument synopsis after the path, e.g. 'ID [--name N]' */
  usage: string;
  /** option lines for the help text, e.g. ['--name N  display name'] */
  help?: readonly string[];
  options?: OptionSpec;
  /** positional arguments: names for help and the allowed count */
  args?: { min: number; max: number };
  run(ctx: Context, args: ParsedArgs): Promise<void>;
}

/** A group of subcommands, e.g. `user`; a command with path length 1 stands alone (`sync`). */
export interface CommandGroup {
  name: string;
  summary: string;
  commands: readonly Command[];
}

/** Bad command line: exit 2 with the help text. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    /** the command whose help to print; undefined = the top-level help */
    readonly command?: Command | CommandGroup,
  ) {
    super(message);
  }
}

/** A handled failure with a plain message: exit 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

export const int = (name: string, v: string | boolean | undefined, opts: { min?: number; allowDefault?: boolean } = {}): number | null | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new UsageError(`--${name} needs a value`);
  if (opts.allowDefault && v.toLowerCase() === 'default') return null;
  const min = opts.min ?? 0;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)) || Number(v) < min)
    throw new UsageError(`--${name} must be an integer >= ${min}${opts.allowDefault ? ' or "default"' : ''}, got ${JSON.stringify(v)}`);
  return Number(v);
};

/** A quota value: a whole number >= 0 (0 blocks), "unlimited", or "default" (null). */
export const limitArg = (name: string, v: string | boolean | undefined): number | 'unlimited' | null | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new UsageError(`--${name} needs a value`);
  const w = v.trim().toLowerCase();
  if (w === 'default') return null;
  if (w === 'unlimited') return 'unlimited';
  if (!/^\d+$/.test(w) || !Number.isSafeInteger(Number(w)))
    throw new UsageError(
      `--${name} must be a whole number >= 0 (0 blocks every request), "unlimited" or "default"; got ${JSON.stringify(v)}${/^-/.test(w) ? ' (negative limits do not exist)' : ''}`,
    );
  return Number(w);
};

/** A budget: an amount >= 0 with at most 9 decimal places (kept as an exact decimal string), or "none" (null). */
export const budgetArg = (name: string, v: string | boolean | undefined): string | null | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new UsageError(`--${name} needs a value`);
  const w = v.trim().toLowerCase();
  if (w === 'none') return null;
  try {
    return validateBudget(`--${name}`, w);
  } catch {
    throw new UsageError(
      `--${name} must be an amount >= 0 and <= ${MAX_BUDGET} with at most 9 decimal places (0 blocks every request), or "none"; got ${JSON.stringify(v)}${/^-/.test(w) ? ' (negative budgets do not exist)' : ''}`,
    );
  }
};

export const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
