// a type-only cycle: no edge at run time (import-x/no-cycle skips it), reported by scripts/import-cycles.test.ts
import type { B } from './b.js';

export interface A {
  b: B | null;
}
