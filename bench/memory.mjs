// `pnpm bench`'s memory section (issue 21): every gateway process's RSS and PSS at idle and after
// the soak, the worker's RSS over the soak (first vs last 10 s), each checked against its target.
// RSS counts the mapped node binary and shared libraries in full in every process (about 45 MB of
// a worker's); PSS splits those shared pages between the processes that map them, so the sum of
// PSS is what the host really pays.
import { spawn } from 'node:child_process';
import { clusterMembers, pssBytes, rssAnonBytes, rssBytes, sleep } from '../load-tests/lib/stack.mjs';

const MB = 1024 * 1024;
const mb = (b) => (b / MB).toFixed(1);

export const MEMORY_TARGETS = {
  /** worker RSS, mean of the soak's last 10 s */
  soakWorker: 100 * MB,
  /** growth between the soak's first and last 10 s (means of their 1 s samples) */
  soakGrowth: 0.05,
  idleWorker: 60 * MB,
  idlePrimary: 60 * MB,
  idleRecorder: 60 * MB,
};

const one = (pid) => (pid ? { rss: rssBytes(pid), pss: pssBytes(pid), anon: rssAnonBytes(pid) } : null);

/** RSS, PSS and anonymous RSS of the primary, the (largest) HTTP worker and the recorder. */
export function memorySnapshot(primaryPid) {
  const m = clusterMembers(primaryPid);
  const workers = m.http.map(one);
  const worker = workers.reduce((a, b) => (!a || b.rss > a.rss ? b : a), null);
  return { primary: one(m.primary), worker, recorder: one(m.recorder[0]) };
}

/** RSS of a node process that loads nothing: the floor under every role. */
export async function bareNodeRss() {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], { stdio: 'ignore' });
  await sleep(500);
  const rss = rssBytes(child.pid);
  const anon = rssAnonBytes(child.pid);
  child.kill();
  return { rss, anon };
}

/** Rows of { name, target, measured, met } from the idle snapshot and the soak (see bench/run.mjs). */
export function memoryTargets(idle, soak) {
  const T = MEMORY_TARGETS;
  const rows = [];
  const add = (name, target, measured, met) => rows.push({ name, target, measured, met });
  if (soak) {
    const growth = (soak.last - soak.first) / soak.first;
    add(
      `worker RSS after a ${soak.seconds} s soak at 64 connections (last 10 s mean)`,
      `≤ ${mb(T.soakWorker)} MB`,
      `${mb(soak.last)} MB`,
      soak.last <= T.soakWorker,
    );
    add(
      '… flat: growth between the first and the last 10 s',
      `≤ ${(T.soakGrowth * 100).toFixed(0)} %`,
      `${mb(soak.first)} → ${mb(soak.last)} MB (${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)} %)`,
      growth <= T.soakGrowth,
    );
  }
  for (const [name, key] of [
    ['worker', 'idleWorker'],
    ['primary', 'idlePrimary'],
    ['recorder', 'idleRecorder'],
  ]) {
    const s = idle[name];
    if (!s) continue;
    add(`idle ${name} RSS`, `≤ ${mb(T[key])} MB`, `${mb(s.rss)} MB (PSS ${mb(s.pss)})`, s.rss <= T[key]);
  }
  if (soak?.after?.primary)
    add(
      'primary RSS after the soak',
      `≤ ${mb(T.idlePrimary)} MB`,
      `${mb(soak.after.primary.rss)} MB (PSS ${mb(soak.after.primary.pss)})`,
      soak.after.primary.rss <= T.idlePrimary,
    );
  if (soak?.after?.recorder)
    add(
      'recorder RSS after the soak',
      `≤ ${mb(T.idleRecorder)} MB`,
      `${mb(soak.after.recorder.rss)} MB (PSS ${mb(soak.after.recorder.pss)})`,
      soak.after.recorder.rss <= T.idleRecorder,
    );
  return rows;
}

/** The section's markdown lines. `floor`: { node: bareNodeRss(), proxy: the bare uWS + undici proxy's idle RSS }. */
export function renderMemory(idle, soak, floor) {
  const out = [];
  const p = (s = '') => out.push(s);
  p('## Memory (issue 21 targets)');
  p();
  p(
    'RSS (VmRSS) counts the mapped node binary and shared libraries in full in every process; PSS (smaps_rollup) splits shared pages between the processes that map them, so the PSS of the three processes adds up to what the host pays. anon = RssAnon (the private part: V8 heap, malloc).',
  );
  p();
  p('| process | idle RSS MB | idle PSS MB | idle anon MB | after the soak RSS MB | after the soak PSS MB | after the soak anon MB |');
  p('|---|---:|---:|---:|---:|---:|---:|');
  for (const name of ['worker', 'primary', 'recorder']) {
    const i = idle[name];
    const a = soak?.after?.[name];
    if (!i && !a) continue;
    const cell = (s, k) => (s ? mb(s[k]) : '–');
    p(`| ${name} | ${cell(i, 'rss')} | ${cell(i, 'pss')} | ${cell(i, 'anon')} | ${cell(a, 'rss')} | ${cell(a, 'pss')} | ${cell(a, 'anon')} |`);
  }
  p();
  if (floor?.node)
    p(
      `For scale: a node process that loads nothing is ${mb(floor.node.rss)} MB RSS here (${mb(floor.node.rss - floor.node.anon)} MB of it the mapped binary and libraries)${floor.proxy ? `; the bare uWS + undici proxy idles at ${mb(floor.proxy)} MB RSS` : ''}.`,
    );
  p();
  p('| target | bound | measured | met |');
  p('|---|---:|---:|:---:|');
  for (const t of memoryTargets(idle, soak)) p(`| ${t.name} | ${t.target} | ${t.measured} | ${t.met ? 'yes' : '**no**'} |`);
  p();
  return out;
}
