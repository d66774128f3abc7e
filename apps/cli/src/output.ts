// Output helpers: stdout carries results (tables, JSON, a JWT), stderr carries commentary.
export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export const processIo: Io = {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
};

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** A plain, aligned text table. */
export function table(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = [headers.map(String), ...rows.map((r) => r.map(cellText))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return (
    cells
      .map((r) =>
        r
          .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (v instanceof Date) return shortTime(v);
  return String(v);
}

/** 2026-03-01 15:30Z */
export function shortTime(d: Date | null): string {
  if (!d) return '-';
  return d.toISOString().slice(0, 16).replace('T', ' ') + 'Z';
}

/** used/limit with 0 = unlimited shown as ∞ */
export function ofLimit(used: number | undefined, limit: number | 'unlimited'): string {
  return `${used ?? '?'}/${limit === 'unlimited' ? '∞' : limit}`;
}
