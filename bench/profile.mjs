// Summarise a V8 .cpuprofile (node --cpu-prof): self time per function and per package, so the
// benchmark can say where a gateway worker spends its CPU.
import { readFileSync } from 'node:fs';

/** Where a frame's code lives, for the per-package view. */
export function packageOf(url) {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return 'node core';
  const m = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  const dsp = /\/(apps|packages)\/([^/]+)\/dist\//.exec(url);
  if (dsp) return `@dsp/${dsp[2]}`;
  return url.replace(/^file:\/\//, '');
}

function shortUrl(url) {
  if (!url) return '';
  return url
    .replace(/^file:\/\//, '')
    .replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')
    .replace(/^.*node_modules\//, '')
    .replace(/^.*\/(apps|packages)\//, '$1/');
}

/** Now on the clock V8 stamps profiles with (CLOCK_MONOTONIC, µs), to cut a profile into phases. */
export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** Self time per function and per package, for the samples between `fromUs` and `toUs` (monotonicUs() values). */
export function summariseProfile(file, { top = 20, fromUs = 0, toUs = Infinity } = {}) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let at = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    at += dt;
    if (at < fromUs || at > toUs) continue;
    self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + dt);
  }
  const fns = new Map();
  const pkgs = new Map();
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    const cf = n.callFrame;
    if (cf.functionName === '(idle)') {
      idle += us;
      continue;
    }
    total += us;
    const key = `${cf.functionName || '(anonymous)'} ${shortUrl(cf.url)}${cf.url ? `:${cf.lineNumber + 1}` : ''}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    const pkg = cf.url ? packageOf(cf.url) : cf.functionName;
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + us);
  }
  // charge every sample to the nearest frame (itself or a caller) that is package code, so node
  // core and native calls (socket writes, GC excepted) count for the package that made them
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const owners = new Map();
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (n.callFrame.functionName === '(idle)') continue;
    let owner = null;
    for (let cur = n; cur; cur = byId.get(parent.get(cur.id))) {
      const url = cur.callFrame.url;
      if (url && !url.startsWith('node:')) {
        owner = packageOf(url);
        break;
      }
    }
    const name = owner ?? (n.callFrame.url ? 'node core (no package caller)' : n.callFrame.functionName || '(native)');
    owners.set(name, (owners.get(name) ?? 0) + us);
  }
  const rank = (m) => [...m].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, ms: us / 1000, share: total ? us / total : 0 }));
  return {
    busyMs: total / 1000,
    idleMs: idle / 1000,
    functions: rank(fns).slice(0, top),
    packages: rank(pkgs).slice(0, 12),
    owners: rank(owners).slice(0, 12),
  };
}
