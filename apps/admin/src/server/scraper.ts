// The live-metrics loop: while someone watches (an SSE stream is open, or for a minute after the
// last one left), scrape every gateway_metrics_urls entry once a second, turn the round into a
// Snapshot (src/metrics/snapshot.ts) and hand it to every subscriber. One loop per process.
import 'server-only';
import http from 'node:http';
import https from 'node:https';
import { digestText, type Digest } from '../metrics/digest';
import { historyPoint, type HistoryPoint } from '../metrics/history';
import { snapshot, type ScrapeResult, type Snapshot } from '../metrics/snapshot';
import { adminSettings } from './env';

export const INTERVAL_MS = 1000;
const TIMEOUT_MS = 900;
const HISTORY = 300;
const LINGER_MS = 60_000;
const MAX_BODY = 8 * 1024 * 1024;

/** GET a metrics URL with node:http (not Next's patched fetch): the body, or an error sentence. */
export function fetchText(url: string, timeoutMs = TIMEOUT_MS, bearerToken = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      reject(new Error('invalid URL'));
      return;
    }
    const lib = u.protocol === 'https:' ? https : http;
    const req = lib.get(
      u,
      { timeout: timeoutMs, headers: { accept: 'text/plain', ...(bearerToken ? { authorization: `Bearer ${bearerToken}` } : {}) } },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`HTTP ${res.statusCode}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY) req.destroy(new Error('response too large'));
          else chunks.push(c);
        });
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => reject(new Error(e.code ?? e.message)));
  });
}

type Listener = (s: Snapshot) => void;

class Scraper {
  private listeners = new Set<Listener>();
  private previous = new Map<string, Digest>();
  private history: HistoryPoint[] = [];
  private latestSnapshot: Snapshot | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private lastWanted = 0;
  private inFlight: Promise<Snapshot> | null = null;

  urls(): string[] {
    return adminSettings().gatewayMetricsUrls;
  }

  latest(): Snapshot | null {
    return this.latestSnapshot;
  }

  points(): HistoryPoint[] {
    return [...this.history];
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    this.want();
    return () => {
      this.listeners.delete(fn);
      this.lastWanted = Date.now();
    };
  }

  /** keeps the loop alive for a while (a snapshot was asked for) */
  want(): void {
    this.lastWanted = Date.now();
    if (!this.running) {
      this.running = true;
      this.schedule(0);
    }
  }

  /** one round now (or the one under way) */
  scrapeOnce(): Promise<Snapshot> {
    if (!this.inFlight) {
      this.inFlight = this.round().finally(() => {
        this.inFlight = null;
      });
    }
    return this.inFlight;
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => void this.tick(), delay);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    const started = Date.now();
    try {
      const s = await this.scrapeOnce();
      for (const l of this.listeners) {
        try {
          l(s);
        } catch {
          /* a broken stream unsubscribes itself */
        }
      }
    } catch (e) {
      console.error('[admin] metrics round failed:', e);
    }
    if (this.listeners.size === 0 && Date.now() - this.lastWanted > LINGER_MS) {
      this.running = false;
      this.timer = null;
      return;
    }
    this.schedule(Math.max(0, INTERVAL_MS - (Date.now() - started)));
  }

  private async round(): Promise<Snapshot> {
    const urls = this.urls();
    const token = adminSettings().metricsBearerToken;
    const results: ScrapeResult[] = await Promise.all(
      urls.map(async (url): Promise<ScrapeResult> => {
        try {
          const text = await fetchText(url, TIMEOUT_MS, token);
          return { url, at: Date.now(), ok: true, digest: digestText(text, Date.now()) };
        } catch (e) {
          return { url, at: Date.now(), ok: false, error: e instanceof Error ? e.message : String(e) };
        }
      }),
    );
    const s = snapshot(results, this.previous, Date.now());
    for (const r of results) {
      // a host that is down loses its previous digest: its first scrape back has no rate yet
      if (r.ok) this.previous.set(r.url, r.digest);
      else this.previous.delete(r.url);
    }
    for (const url of [...this.previous.keys()]) if (!urls.includes(url)) this.previous.delete(url);
    this.latestSnapshot = s;
    this.history.push(historyPoint(s));
    if (this.history.length > HISTORY) this.history.splice(0, this.history.length - HISTORY);
    return s;
  }
}

const KEY = Symbol.for('dsp.admin.scraper');
type Holder = { [KEY]?: Scraper };

export function scraper(): Scraper {
  const g = globalThis as Holder;
  return (g[KEY] ??= new Scraper());
}
