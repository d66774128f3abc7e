// as packages/core/src/*.ts: core is pure, no @dsp/db
import { createPool } from '@dsp/db';

export const fixture = createPool;
