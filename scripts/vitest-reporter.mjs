// vitest's default reporter for `pnpm test`, less its closing summary ("Test Files  N passed (N)",
// "Tests  N passed (N)"): a CI that reads closing lines took that summary for another runner's and
// recorded green runs as running no test. The totals come once, after it, in the run's own closing
// line `tests: N passed, N failed` (scripts/test-totals.mjs, from the JSON report). Failures and
// errors are still printed in full before it; only the count lines and timings are left out, and a
// line without numbers says where the totals are.
import { DefaultReporter } from 'vitest/node';

export default class ClosingLineReporter extends DefaultReporter {
  reportTestSummary() {
    this.log();
    this.log('vitest: done; the totals are on the closing line');
  }
}
