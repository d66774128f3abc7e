// What one scrape of one gateway host's /metrics says: the counters, histogram buckets and gauges
// the dashboard uses, summed over the host's workers. Requests the client abandoned (status 499)
// are counted on their own and left out of the latency histogram: they end when the client left.
import { parsePrometheus, seriesKey, type Sample } from './prom';

/** What one scrape of one host tells us. */
export interface Digest {
  at: number;
  /** cumulative counters per series (name + labels) */
  counters: Map<string, number>;
  /** request duration histogram buckets: series (labels but le) → le → cumulative count */
  duration: Map<string, Map<number, number>>;
  firstByte: Map<string, Map<number, number>>;
  blocked: Map<string, number>;
  requestsTotal: number;
  /** cumulative requests the client abandoned (status 499) */
  abortedTotal: number;
  inFlight: number;
  poolActive: number;
  poolIdle: number;
  poolTotal: number;
  reuseGauge: number | null;
  upstreamRequests: number;
  connectionsOpened: number;
}

const REQUESTS = 'dsp_requests_total';
const DURATION = 'dsp_request_duration_seconds_bucket';
const FIRST_BYTE = 'dsp_upstream_first_byte_duration_seconds_bucket';
const BLOCKED = 'dsp_requests_blocked_total';
/** The status the gateway records when the client went away before the answer was complete. */
export const ABORTED_STATUS = '499';

export function digest(samples: Sample[], at: number): Digest {
  const d: Digest = {
    at,
    counters: new Map(),
    duration: new Map(),
    firstByte: new Map(),
    blocked: new Map(),
    requestsTotal: 0,
    abortedTotal: 0,
    inFlight: 0,
    poolActive: 0,
    poolIdle: 0,
    poolTotal: 0,
    reuseGauge: null,
    upstreamRequests: 0,
    connectionsOpened: 0,
  };
  const bucket = (into: Map<string, Map<number, number>>, s: Sample) => {
    const le = s.labels.le === undefined ? NaN : s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    if (Number.isNaN(le)) return;
    const k = seriesKey(s.name, s.labels, 'le');
    let m = into.get(k);
    if (!m) into.set(k, (m = new Map()));
    m.set(le, s.value);
  };
  for (const s of samples) {
    if (!Number.isFinite(s.value)) continue;
    switch (s.name) {
      case REQUESTS:
        d.counters.set(seriesKey(s.name, s.labels), s.value);
        d.requestsTotal += s.value;
        if (s.labels.status === ABORTED_STATUS) d.abortedTotal += s.value;
        break;
      case DURATION:
        if (s.labels.status !== ABORTED_STATUS) bucket(d.duration, s);
        break;
      case FIRST_BYTE:
        bucket(d.firstByte, s);
        break;
      case BLOCKED: {
        const reason = s.labels.reason ?? 'other';
        d.blocked.set(reason, (d.blocked.get(reason) ?? 0) + s.value);
        break;
      }
      case 'dsp_token_concurrent_requests':
        d.inFlight += s.value;
        break;
      case 'dsp_pool_active_connections':
        d.poolActive += s.value;
        break;
      case 'dsp_pool_idle_connections':
        d.poolIdle += s.value;
        break;
      case 'dsp_pool_total_connections':
        d.poolTotal += s.value;
        break;
      case 'dsp_connection_reuse_ratio':
        d.reuseGauge = s.value;
        break;
      case 'dsp_upstream_requests_total':
        d.upstreamRequests += s.value;
        break;
      case 'dsp_upstream_connections_opened_total':
        d.connectionsOpened += s.value;
        break;
    }
  }
  return d;
}

export function digestText(text: string, at: number): Digest {
  return digest(parsePrometheus(text).samples, at);
}
