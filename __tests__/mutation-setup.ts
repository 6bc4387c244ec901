// Loaded only by jest.mutation.config.js.
import { appendFileSync } from 'fs';

// Snapshot matching off: a mutant that only changes a snapshot counts as survived (`jest -u` would accept it).
expect.extend({
  toMatchSnapshot: () => ({ pass: true, message: () => 'snapshot matching is off in the mutation run' }),
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
