'use client';
// The dashboard's one EventSource on /api/metrics/stream: the connection state, the latest
// snapshot, and the last KEEP history points (the server sends its history on connect).
import { useEffect, useState } from 'react';
import { historyPoint, type HistoryPoint } from '@/metrics/history';
import type { Snapshot } from '@/metrics/snapshot';

export type Conn = 'connecting' | 'open' | 'error';
/** Five minutes of one-second points. */
const KEEP = 300;

export function useMetricsStream(): { conn: Conn; snap: Snapshot | null; history: HistoryPoint[] } {
  const [conn, setConn] = useState<Conn>('connecting');
  const [snap, setSnap] = useState<Snapshot | null>(null);
  const [history, setHistory] = useState<HistoryPoint[]>([]);

  useEffect(() => {
    const es = new EventSource('/api/metrics/stream');
    es.addEventListener('open', () => setConn('open'));
    es.addEventListener('error', () => setConn('error'));
    es.addEventListener('hello', (ev) => {
      const d = JSON.parse((ev as MessageEvent<string>).data) as { history: HistoryPoint[]; snapshot: Snapshot | null };
      setHistory(d.history.slice(-KEEP));
      if (d.snapshot) setSnap(d.snapshot);
      setConn('open');
    });
    es.addEventListener('snapshot', (ev) => {
      const s = JSON.parse((ev as MessageEvent<string>).data) as Snapshot;
      setSnap(s);
      setHistory((h) => {
        const next = h.length && h[h.length - 1]!.at === s.at ? h : [...h, historyPoint(s)];
        return next.length > KEEP ? next.slice(next.length - KEEP) : next;
      });
    });
    es.addEventListener('logout', () => {
      es.close();
      window.location.assign('/login?next=/dashboard');
    });
    return () => es.close();
  }, []);

  return { conn, snap, history };
}
