// @ts-check
// jest's own test runner, for the mutation run only (jest.mutation.config.js): when StrykerJS asks for the
// tests that cover a mutant (a test name pattern), only the test files that hold one of those tests are loaded.
// Loading a file costs about 0.3 s per mutant whether or not any of its tests run, and a mutant is covered by
// the tests of one or two files. Which file holds which test is what the dry run recorded (__tests__/
// mutation-setup.ts); a file the record does not know is loaded, so a mutant never misses a test.

const { existsSync, readFileSync } = require('node:fs');
const TestRunner = require('jest-runner').default;

/** The recorded test names per file: lines of JSON [testPath, fullNames]. */
function readIndex(path) {
  const names = new Map();
  if (!path || !existsSync(path)) return undefined;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    const [file, fullNames] = JSON.parse(line);
    names.set(file, [...(names.get(file) ?? []), ...fullNames]);
  }
  return names;
}

class MutationTestRunner extends TestRunner {
  async runTests(tests, watcher, options) {
    const pattern = this._globalConfig.testNamePattern;
    const index = pattern ? readIndex(process.env.MUTATION_TEST_INDEX) : undefined;
    if (!pattern || !index) return super.runTests(tests, watcher, options);
    // The same test as jest applies to full test names (case-insensitive).
    const wanted = new RegExp(pattern, 'i');
    const holding = tests.filter((test) => {
      const names = index.get(test.path);
      return names === undefined || names.some((name) => wanted.test(name));
    });
    return super.runTests(holding, watcher, options);
  }
}

module.exports = MutationTestRunner;
