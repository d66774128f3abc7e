// What `pnpm start` decided for the processes it runs — generated signing keys, the demo's mock
// upstream, a `--config FILE` it was given — recorded as environment variables in
// ./.dsp/start.env. Any process later started in the same directory without naming a config file
// itself (the CLI, a gateway, the console) loads its config with these variables underneath its
// own environment, so every process finds the same config and keys that `pnpm start` used.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CONFIG_ENV_VAR } from './env.js';
import { resolveConfigFile } from './resolve.js';
import type { Env } from './sources.js';

export const STATE_DIR = '.dsp';
export const START_ENV_FILE = join(STATE_DIR, 'start.env');

export interface StartEnv {
  /** Absolute path of the file read. */
  file: string;
  vars: Record<string, string>;
}

/** `NAME=value` lines; `#` comments and blank lines skipped; the value is the rest of the line. */
export function parseStartEnv(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    vars[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return vars;
}

export function readStartEnv(cwd: string): StartEnv | null {
  const file = join(cwd, START_ENV_FILE);
  try {
    return { file, vars: parseStartEnv(readFileSync(file, 'utf8')) };
  } catch {
    return null;
  }
}

export function writeStartEnv(cwd: string, vars: Record<string, string>): string {
  const file = join(cwd, START_ENV_FILE);
  mkdirSync(dirname(file), { recursive: true });
  const lines = [
    '# Written by `pnpm start` at each start: what it set for the processes it runs.',
    '# Processes started in this directory without --config / DSP_CONFIG use these too;',
    '# their own environment wins.',
    ...Object.entries(vars).map(([k, v]) => `${k}=${v}`),
  ];
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** True when argv or env names the config file itself (then the start state is not used). */
export function namesConfigFile(argv: readonly string[], env: Env): boolean {
  const inArgv = argv.some((a, i) => (a === '--config' || a.startsWith('--config=')) && !argv.slice(0, i).includes('--'));
  const inEnv = Object.entries(env).some(([k, v]) => k.toUpperCase() === CONFIG_ENV_VAR && v !== undefined && v !== '');
  return inArgv || inEnv;
}

/**
 * The environment to load the config with: `env`, plus — when neither argv nor env names a config
 * file — the variables of ./.dsp/start.env underneath it.
 */
export function withStartEnv(opts: { argv: readonly string[]; env: Env; cwd: string }): { env: Env; startEnv: StartEnv | null } {
  if (namesConfigFile(opts.argv, opts.env)) return { env: opts.env, startEnv: null };
  const startEnv = readStartEnv(opts.cwd);
  if (!startEnv) return { env: opts.env, startEnv: null };
  const defined = Object.fromEntries(Object.entries(opts.env).filter(([, v]) => v !== undefined && v !== ''));
  return { env: { ...startEnv.vars, ...defined }, startEnv };
}

/**
 * The first of `dirs` a process would find its config in — a ./deepseek-proxy.toml or the
 * ./.dsp/start.env of `pnpm start` — or null. For a process started away from the config (the
 * console's `pnpm --filter @dsp/admin start` runs in apps/admin) when no file is named.
 */
export function findConfigDir(dirs: readonly string[]): string | null {
  return dirs.find((d) => resolveConfigFile({ argv: [], env: {}, cwd: d }).file !== null || existsSync(join(d, START_ENV_FILE))) ?? null;
}
