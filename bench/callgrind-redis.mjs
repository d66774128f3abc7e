// A private redis-server under valgrind's callgrind, for counting what Redis work costs in
// executed instructions: the same figure run after run whatever else the host is doing (CPU-time
// figures on this shared 2-core host swing by ±30 %). Used by redis-instructions.mjs and
// lease-renewals.mjs.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, sleep, waitFor } from '../load-tests/lib/stack.mjs';

/** Exits the tool with a hint when valgrind or redis-server is missing. */
export function needTools(tool) {
  for (const cmd of ['valgrind', 'redis-server']) {
    try {
      execFileSync('which', [cmd], { stdio: 'ignore' });
    } catch {
      console.log(`${tool}: ${cmd} not found (apt-get install -y valgrind redis-server)`);
      process.exit(0);
    }
  }
}

/**
 * Starts redis-server under callgrind. `zero()` resets the counters, `instructions()` dumps and
 * returns the instructions since the last zeroing, `stop()` ends it and removes its files.
 */
export async function startCallgrindRedis() {
  const dir = mkdtempSync(join(tmpdir(), 'dsp-redis-instr-'));
  const port = await freePort();
  const vg = spawn(
    'valgrind',
    ['--tool=callgrind', `--callgrind-out-file=${dir}/cg.%p`, 'redis-server', '--port', String(port), '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const ctl = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => 200 });
  ctl.on('error', () => {}); // refused until valgrind has started redis-server
  await waitFor(async () => (await ctl.ping().catch(() => null)) === 'PONG', 60_000);
  // /usr/bin/valgrind may run the tool as a child: callgrind_control needs the pid of the process it instruments
  const pid = Number(execFileSync('pgrep', ['-n', '-f', `callgrind.*--port ${port}`], { encoding: 'utf8' }).trim());
  const control = (flag) => execFileSync('callgrind_control', [flag, String(pid)], { stdio: 'ignore' });

  return {
    url,
    ctl,
    zero: () => control('-z'),
    /** Instructions since the last zeroing: dump, then read the newest part's totals. */
    async instructions() {
      const parts = () => readdirSync(dir).filter((f) => f.startsWith(`cg.${pid}.`));
      const before = parts().length;
      control('-d');
      await waitFor(() => parts().length > before, 30_000);
      const newest = parts()
        .sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop()))
        .at(-1);
      const m = /^(?:totals|summary): (\d+)/m.exec(readFileSync(join(dir, newest), 'utf8'));
      if (!m) throw new Error(`no totals in ${newest}`);
      return Number(m[1]);
    },
    async stop() {
      ctl.disconnect();
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      vg.kill('SIGKILL');
      await sleep(100);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
