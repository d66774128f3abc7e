import type { A } from './a.js';

export interface B {
  a: A | null;
}
