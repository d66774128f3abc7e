// The cluster primary's V8 flags, set before main.ts loads anything else (it imports this module
// first). The primary is the operator's own `node` process, so unlike the forked recorder it
// cannot be given node flags; V8 reads these as the heap grows, so setting them at run time works.
// They keep the young generation at its initial 1 MB semi-spaces (V8 grows them to 16 MB while the
// modules load) and grow the old generation less; measured in bench/optimisations.md (the
// primary's rows). The primary serves no request. Forked workers get only the operator's flags
// (process.execArgv), never these.
import cluster from 'node:cluster';
import { setFlagsFromString } from 'node:v8';

export const PRIMARY_V8_FLAGS = ['--optimize-for-size', '--semi-space-growth-factor=1'];

if (cluster.isPrimary) for (const flag of PRIMARY_V8_FLAGS) setFlagsFromString(flag);
