// a type-only cycle (no edge at run time): not reported
import type { B } from './b.js';

export interface A {
  b: B | null;
}
