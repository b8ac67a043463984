// The fuzz suites' case counts (test/fuzz/budget.ts) add up to the cases a CI run must try.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MIN_CASES_PER_RUN, RUNS } from './budget.ts';
import { FUZZ_SCALE, FUZZ_SEED } from './harness.ts';

test(`the fuzz suites generate at least ${MIN_CASES_PER_RUN} cases per CI run`, () => {
  const perSuite = Object.entries(RUNS).map(([suite, props]) => [suite, Object.values(props).reduce((a: number, n: number) => a + n, 0)] as const);
  const total = perSuite.reduce((a, [, n]) => a + n, 0);
  console.log(`  fuzz budget: ${total} cases per run (${perSuite.map(([s, n]) => `${s} ${n}`).join(', ')}), x${FUZZ_SCALE}, seed ${FUZZ_SEED}`);
  assert.ok(total >= MIN_CASES_PER_RUN, `${total} cases`);
});

test.run();
