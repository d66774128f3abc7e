// Cluster-wide metrics: the primary asks every worker for its registry over IPC, sums them with
// prom-client's aggregator, and adds what only the sum can tell (the connection reuse ratio).
// A worker that does not answer in time (it may be dying) is left out of that scrape, not waited on.
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';

const REQ = 'dsp:metrics:req';
const RES = 'dsp:metrics:res';
const WORKER_DEADLINE_MS = 1000;

interface MetricsMessage {
  type: string;
  id: number;
  metrics?: unknown[];
}

/** In a worker: answer the primary's scrape requests with these registries. */
export function serveMetricsToPrimary(registries: Registry[]): void {
  process.on('message', (m: MetricsMessage) => {
    if (m?.type !== REQ) return;
    void Promise.all(registries.map((r) => r.getMetricsAsJSON())).then((metrics) => process.send?.({ type: RES, id: m.id, metrics: metrics.flat() }));
  });
}

let nextId = 1;

/** Every worker's registry, as answered in time. */
async function gather(): Promise<Parameters<typeof AggregatorRegistry.aggregate>[0]> {
  const id = nextId++;
  const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && w.isConnected());
  const answers = await Promise.all(workers.map((w) => ask(w, id)));
  return answers.filter((a): a is unknown[] => a !== null) as Parameters<typeof AggregatorRegistry.aggregate>[0];
}

/** In the primary: one scrape of the whole host, in the Prometheus text format. */
export async function scrapeCluster(own: Registry): Promise<string> {
  const arrays = await gather();
  const merged = Registry.merge([AggregatorRegistry.aggregate(arrays) as Registry, own]);
  return (await merged.metrics()) + reuseRatio(arrays as unknown as MetricObjectWithValues<MetricValue<string>>[][]);
}

/** In the primary: the workers' metrics summed, as objects (what the history writer reads). */
export async function clusterMetricObjects(): Promise<MetricObjectWithValues<MetricValue<string>>[]> {
  return (await AggregatorRegistry.aggregate(await gather()).getMetricsAsJSON()) as MetricObjectWithValues<MetricValue<string>>[];
}

function ask(w: Worker, id: number): Promise<unknown[] | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(null), WORKER_DEADLINE_MS);
    const onMessage = (m: MetricsMessage) => {
      if (m?.type === RES && m.id === id) finish(m.metrics ?? []);
    };
    function finish(v: unknown[] | null) {
      clearTimeout(timer);
      w.off('message', onMessage);
      resolve(v);
    }
    w.on('message', onMessage);
    try {
      w.send({ type: REQ, id });
    } catch {
      finish(null);
    }
  });
}

function sumOf(arrays: MetricObjectWithValues<MetricValue<string>>[][], name: string): number {
  let s = 0;
  for (const a of arrays) for (const m of a) if (m.name === name) for (const v of m.values) s += v.value;
  return s;
}

/** reuse = 1 − connections opened / requests sent, over the whole host since start. */
function reuseRatio(arrays: MetricObjectWithValues<MetricValue<string>>[][]): string {
  const requests = sumOf(arrays, 'dsp_upstream_requests_total');
  const opened = sumOf(arrays, 'dsp_upstream_connections_opened_total');
  const ratio = requests > 0 ? Math.max(0, 1 - opened / requests) : 0;
  return `# HELP dsp_connection_reuse_ratio Share of upstream requests sent over an already open connection\n# TYPE dsp_connection_reuse_ratio gauge\ndsp_connection_reuse_ratio ${ratio}\n`;
}
