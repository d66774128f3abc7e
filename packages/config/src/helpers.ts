// Small derived facts about a loaded config that several processes need.
import { availableParallelism, hostname } from 'node:os';
import { maskUrlPassword } from './errors.js';
import type { Config } from './schema.js';
import { schemaKeys, schemaLists } from './schema-walk.js';
import { deepFreeze, getPath, setPath, cloneTree, type Table } from './util.js';

/** True when no DeepSeek API key is configured: the gateway then talks to the built-in mock. */
export function demoMode(config: Config): boolean {
  return config.deepseek.api_key.trim() === '' && config.deepseek.accounts.length === 0;
}

/** `server.instance_id`, or `<hostname>:<port>` when it is empty. */
export function instanceId(config: Config, host: string = hostname()): string {
  return config.server.instance_id !== '' ? config.server.instance_id : `${host}:${config.server.port}`;
}

/** `server.workers`, or the number of CPU cores when it is 0. */
export function workerCount(config: Config): number {
  return config.server.workers > 0 ? config.server.workers : Math.max(1, availableParallelism());
}

/** A copy safe to log: secret keys replaced by "<redacted>", passwords in URLs masked. */
export function redactConfig(config: Config): Config {
  const copy = cloneTree(config) as unknown as Table;
  for (const key of schemaKeys().values()) {
    const value = getPath(copy, key.path);
    if (typeof value !== 'string' || value === '') continue;
    if (key.meta.secret) setPath(copy, key.path, '<redacted>');
    else setPath(copy, key.path, maskUrlPassword(value));
  }
  for (const list of schemaLists().values()) {
    const items = getPath(copy, list.path);
    if (!Array.isArray(items)) continue;
    for (const item of items as Table[]) {
      for (const key of list.keys) {
        const name = key.path[0]!;
        const value = item[name];
        if (typeof value !== 'string' || value === '') continue;
        item[name] = key.meta.secret ? '<redacted>' : maskUrlPassword(value);
      }
    }
  }
  return deepFreeze(copy as unknown as Config);
}
