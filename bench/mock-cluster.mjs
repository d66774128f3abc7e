// The mock upstream in N node:cluster workers sharing one port (`node bench/mock-cluster.mjs N PORT`):
// a process holds one socket per stream and its open-files limit caps how many, so 20,000 streams
// need more than one process. Prints "mock-cluster listening on http://127.0.0.1:PORT" once every
// worker listens, like the mock's CLI.
import cluster from 'node:cluster';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { REPO } from '../load-tests/lib/stack.mjs';

const workers = Number(process.argv[2] ?? 2);
const port = Number(process.argv[3]);

if (cluster.isPrimary) {
  // the workers accept from the shared socket themselves: with round-robin the primary accepts
  // every connection and hands it over by IPC, too slowly for thousands of new connections a second
  // (the backlog fills, SYNs are dropped, the gateway's connects time out)
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  let listening = 0;
  for (let i = 0; i < workers; i++) {
    const w = cluster.fork();
    w.on('message', (m) => {
      if (m === 'listening' && ++listening === workers) process.stdout.write(`mock-cluster listening on http://127.0.0.1:${port}\n`);
    });
  }
  cluster.on('exit', (w, code, signal) => {
    if (!stopping) {
      process.stderr.write(`mock-cluster: worker ${w.process.pid} exited ${code ?? signal}\n`);
      process.exit(1);
    }
  });
  let stopping = false;
  const stop = () => {
    stopping = true;
    for (const w of Object.values(cluster.workers)) w.process.kill('SIGKILL');
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  const { startMockDeepSeek } = await import(pathToFileURL(join(REPO, 'packages/mock-deepseek/dist/index.js')).href);
  await startMockDeepSeek({ host: '127.0.0.1', port, record: false });
  process.send('listening');
}
