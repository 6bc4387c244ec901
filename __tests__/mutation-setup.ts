// Loaded only by jest.mutation.config.js.
import { appendFileSync } from 'node:fs';

// Snapshot matching off, stored and inline alike: a mutant that only changes a snapshot counts as survived
// (`jest -u` would accept it). Whether the code throws at all is still checked: that is behavior.
const OFF = 'snapshot matching is off in the mutation run';
const snapshotOff = () => ({ pass: true, message: () => OFF });
function throwsOff(this: jest.MatcherContext, received: unknown) {
  let threw = this.promise === 'rejects';
  if (!threw && typeof received === 'function') {
    try {
      (received as () => unknown)();
    } catch {
      threw = true;
    }
  }
  return { pass: threw, message: () => (threw ? OFF : 'Received function did not throw') };
}
expect.extend({
  toMatchSnapshot: snapshotOff,
  toMatchInlineSnapshot: snapshotOff,
  toThrowErrorMatchingSnapshot: throwsOff,
  toThrowErrorMatchingInlineSnapshot: throwsOff,
});

// The dry run (no mutant active) records which file holds which test, for scripts/lib/mutation-jest-runner.js.
const index = process.env.MUTATION_TEST_INDEX;
if (index && process.env.__STRYKER_ACTIVE_MUTANT__ === undefined) {
  const names: string[] = [];
  afterEach(() => {
    names.push(expect.getState().currentTestName ?? '');
  });
  afterAll(() => {
    appendFileSync(index, `${JSON.stringify([expect.getState().testPath, names])}\n`);
  });
}
