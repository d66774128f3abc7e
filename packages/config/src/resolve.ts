// Which config file to load: --config FILE / --config=FILE, else $DSP_CONFIG, else
// ./deepseek-proxy.toml if it exists, else none (defaults + environment only).
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from './errors.js';
import { CONFIG_ENV_VAR } from './env.js';
import type { Env, Source } from './sources.js';

export const DEFAULT_CONFIG_FILE = 'deepseek-proxy.toml';

export interface ConfigFileChoice {
  /** Absolute path, or null when no file is used. */
  file: string | null;
  /** Named explicitly (argv or env): it must exist. */
  explicit: boolean;
  /** What named it: `--config`, the DSP_CONFIG variable, or the default file name. */
  source: Source;
}

/** The value of the last `--config FILE` / `--config=FILE` in argv (scanning stops at `--`). */
function configFromArgv(argv: readonly string[]): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (arg === '--config') {
      const next = argv[i + 1];
      if (next === undefined || next === '' || next.startsWith('--')) {
        throw new ConfigError(
          [
            {
              path: '',
              value: undefined,
              expected: 'a file name after --config',
              source: '--config',
              sourceKind: 'argv',
            },
          ],
          { file: null },
        );
      }
      found = next;
      i++;
    } else if (arg.startsWith('--config=')) {
      found = arg.slice('--config='.length);
      if (found === '') {
        throw new ConfigError(
          [
            {
              path: '',
              value: '',
              expected: 'a file name after --config=',
              source: '--config',
              sourceKind: 'argv',
            },
          ],
          { file: null },
        );
      }
    }
  }
  return found;
}

function configFromEnv(env: Env): { name: string; value: string } | undefined {
  const exact = env[CONFIG_ENV_VAR];
  if (exact !== undefined && exact !== '') return { name: CONFIG_ENV_VAR, value: exact };
  for (const [name, value] of Object.entries(env)) {
    if (name.toUpperCase() === CONFIG_ENV_VAR && value !== undefined && value !== '') {
      return { name, value };
    }
  }
  return undefined;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function resolveConfigFile(opts: { argv: readonly string[]; env: Env; cwd: string }): ConfigFileChoice {
  const fromArgv = configFromArgv(opts.argv);
  if (fromArgv !== undefined) {
    return {
      file: resolve(opts.cwd, fromArgv),
      explicit: true,
      source: { kind: 'argv', name: '--config' },
    };
  }
  const fromEnv = configFromEnv(opts.env);
  if (fromEnv) {
    return {
      file: resolve(opts.cwd, fromEnv.value),
      explicit: true,
      source: { kind: 'env', name: fromEnv.name },
    };
  }
  const implicit = resolve(opts.cwd, DEFAULT_CONFIG_FILE);
  if (isFile(implicit)) {
    return { file: implicit, explicit: false, source: { kind: 'file', name: implicit } };
  }
  return { file: null, explicit: false, source: { kind: 'default', name: 'default' } };
}
