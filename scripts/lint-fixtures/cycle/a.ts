// a runtime import cycle: a → b → a
import { b } from './b.js';

export const a = () => b() + 1;
