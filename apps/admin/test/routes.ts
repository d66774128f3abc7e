// Every app route of the admin build, found from its manifest and its sources, so the access tests
// cover a page or handler the moment it is added.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect } from 'vitest';
import { ADMIN_DIR } from './helpers.js';

interface Handler {
  method: string;
  path: string;
}

/** Every app route of the build: pages and route handlers (with the methods each exports). */
export function discoverRoutes(): { pages: string[]; handlers: Handler[]; apiHandlers: Handler[] } {
  const manifest = JSON.parse(readFileSync(join(ADMIN_DIR, '.next/app-path-routes-manifest.json'), 'utf8')) as Record<string, string>;
  const pages = Object.entries(manifest)
    .filter(([k, v]) => k.endsWith('/page') && !v.startsWith('/_'))
    .map(([, v]) => v);
  const handlers: { method: string; path: string }[] = [];
  const walk = (dir: string) => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f === 'route.ts') {
        const src = readFileSync(p, 'utf8');
        const path =
          '/' +
          relative(join(ADMIN_DIR, 'src/app'), p)
            .replace(/\/route\.ts$/, '')
            .replace(/\([^)]+\)\//g, '');
        for (const m of src.matchAll(/export const (GET|POST|PUT|PATCH|DELETE)\b/g)) handlers.push({ method: m[1]!, path });
      }
    }
  };
  walk(join(ADMIN_DIR, 'src/app'));
  // every handler of the build is one we found in the sources
  for (const [k, v] of Object.entries(manifest)) {
    if (k.endsWith('/route') && !v.includes('.'))
      expect(
        handlers.some((h) => h.path === v),
        `route ${v} found in src`,
      ).toBe(true);
  }
  // the REST API under /api/v1 authenticates by API key, not by session: tested on its own (api.test.ts)
  const isApi = (h: { path: string }) => h.path.startsWith('/api/v1/');
  return { pages, handlers: handlers.filter((h) => !isApi(h)), apiHandlers: handlers.filter(isApi) };
}
