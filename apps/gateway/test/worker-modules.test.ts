// What an HTTP worker loads is what it pays for in memory, once per core: no BullMQ (the primary
// moves the outboxes and queues the refusal counts; a batch's job string kept about 30 MB of a
// worker's heap under load). Checked on the built module graph, as the process would load it.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './harness.js';

const graph = (entry: string): string[] =>
  JSON.parse(execFileSync(process.execPath, [join(REPO, 'apps/gateway/test/module-graph.mjs'), join(REPO, 'apps/gateway/dist', entry)], { encoding: 'utf8' }));

describe('module graph of each role', () => {
  it('the HTTP worker loads no BullMQ; the primary does (it is the host producer)', () => {
    const worker = graph('worker.js');
    expect(worker.some((u) => u.endsWith('/usage/usage-sink.js'))).toBe(true);
    expect(worker.filter((u) => /bullmq|outbox-mover/.test(u))).toEqual([]);
    const primary = graph('primary.js');
    expect(primary.some((u) => u.endsWith('/usage/bullmq-queue.js'))).toBe(true);
    expect(primary.some((u) => u.endsWith('/usage/outbox-mover.js'))).toBe(true);
  });
});
