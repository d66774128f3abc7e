// /_mock/*: lets a test drive a mock running in another process (the CLI) and read its counters.

import { sendJson, type Ctx } from './http-out.js';
import { validateKeys, type KeyBehaviour } from './keys.js';
import type { KeyStats, IssuedUsage } from './records.js';

export const CONTROL_PREFIX = '/_mock/';

export interface MockStats {
  inFlight: number;
  peak: number;
  aborted: number;
  issued: IssuedUsage;
  down: false | '503' | 'refuse';
  keys: Record<string, KeyStats>;
}

export interface Controls {
  stats(): MockStats;
  setKey(key: string, b: KeyBehaviour | null): void;
  setDown(mode: false | '503'): Promise<void>;
  reset(): void;
}

function parse(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/**
 * GET /_mock/stats; POST /_mock/keys `{"<key>": {…} | null}`; POST /_mock/down `{"down": "503" | false}`;
 * POST /_mock/reset. Bad input gets a 400 with the reason.
 */
export async function handleControl(ctx: Ctx, method: string, raw: string, c: Controls): Promise<void> {
  const route = method + ' ' + ctx.path.slice(CONTROL_PREFIX.length);
  const bad = (why: string): void => sendJson(ctx.res, 400, JSON.stringify({ error: why }));
  switch (route) {
    case 'GET stats':
      sendJson(ctx.res, 200, JSON.stringify(c.stats()));
      return;
    case 'POST keys': {
      let keys: Record<string, KeyBehaviour | null>;
      try {
        keys = validateKeys(parse(raw));
      } catch (e) {
        bad((e as Error).message);
        return;
      }
      for (const [k, v] of Object.entries(keys)) c.setKey(k, v);
      sendJson(ctx.res, 200, '{"ok":true}');
      return;
    }
    case 'POST down': {
      const body = parse(raw) as { down?: unknown } | undefined;
      const d = body?.down;
      if (d !== false && d !== '503') {
        bad('down must be "503" or false (use setDown("refuse") in-process: a refusing mock cannot be told to come back over HTTP)');
        return;
      }
      await c.setDown(d);
      sendJson(ctx.res, 200, '{"ok":true}');
      return;
    }
    case 'POST reset':
      c.reset();
      sendJson(ctx.res, 200, '{"ok":true}');
      return;
    default:
      sendJson(ctx.res, 404, JSON.stringify({ error: 'no control route ' + route }));
  }
}
