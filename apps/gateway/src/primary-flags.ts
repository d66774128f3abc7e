// The cluster primary's V8 flags, set before main.ts loads anything else (it imports this module
// first). The primary is the operator's own `node` process, so unlike the forked recorder it
// cannot be given node flags; V8 reads this one as the heap grows, so setting it at run time works.
// It keeps the young generation at 1 MB semi-spaces instead of letting start-up grow them to 16 MB
// and grows the old generation less: idle primary RSS about 23 MB lower 5 s after start, about 5 MB
// lower once V8's memory reducer has run (bench/optimisations.md). The primary serves no request;
// forked workers get only the operator's flags (process.execArgv), never these.
import cluster from 'node:cluster';
import { setFlagsFromString } from 'node:v8';

export const PRIMARY_V8_FLAGS = ['--optimize-for-size'];

if (cluster.isPrimary) for (const flag of PRIMARY_V8_FLAGS) setFlagsFromString(flag);
