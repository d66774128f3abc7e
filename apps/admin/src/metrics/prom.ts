// A small parser of the Prometheus text exposition format (version 0.0.4): enough for what the
// gateway's prom-client serves: `name{label="value",...} value [timestamp]`, comments skipped.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

export function parseValue(s: string): number {
  switch (s) {
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    case 'NaN':
      return NaN;
    default: {
      const n = Number(s);
      if (s === '' || Number.isNaN(n)) throw new Error(`invalid sample value ${JSON.stringify(s)}`);
      return n;
    }
  }
}

function parseLine(line: string): Sample {
  const m = NAME.exec(line);
  if (!m) throw new Error('no metric name');
  const name = m[0];
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ' || line[i] === ',') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      const ln = LABEL_NAME.exec(line.slice(i));
      if (!ln) throw new Error('bad label name');
      i += ln[0].length;
      while (line[i] === ' ') i++;
      if (line[i] !== '=') throw new Error('expected =');
      i++;
      while (line[i] === ' ') i++;
      if (line[i] !== '"') throw new Error('expected "');
      i++;
      let v = '';
      for (;;) {
        const c = line[i];
        if (c === undefined) throw new Error('unterminated label value');
        if (c === '\\') {
          const n = line[i + 1];
          v += n === 'n' ? '\n' : n === '"' ? '"' : n === '\\' ? '\\' : `\\${n ?? ''}`;
          i += 2;
          continue;
        }
        if (c === '"') {
          i++;
          break;
        }
        v += c;
        i++;
      }
      labels[ln[0]] = v;
    }
  }
  const rest = line.slice(i).trim().split(/\s+/);
  if (!rest[0]) throw new Error('no value');
  return { name, labels, value: parseValue(rest[0]) };
}

/** Every sample of an exposition; malformed lines are skipped (and counted in `errors`). */
export function parsePrometheus(text: string): { samples: Sample[]; errors: number } {
  const samples: Sample[] = [];
  let errors = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    try {
      samples.push(parseLine(line));
    } catch {
      errors++;
    }
  }
  return { samples, errors };
}

/** A stable identity of a series: name plus its sorted labels. */
export function seriesKey(name: string, labels: Record<string, string>, omit?: string): string {
  const parts = Object.keys(labels)
    .filter((k) => k !== omit)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `${name}{${parts.join(',')}}`;
}
