// @ts-check
/**
 * Mutation testing, one folder per run (scripts/mutation.ts sets MUTATION_FOLDER): StrykerJS changes
 * that folder's code one mutant at a time and runs the folder's tests (jest.mutation.config.js) against each; a
 * mutant no test notices survives. Measured honestly:
 * - snapshot matching is off: `jest -u` would accept a changed snapshot, so it is not a behavior test;
 * - jest's "related tests" narrowing is off, and a mutant reached outside any test (module load, a beforeAll
 *   synth) runs against every test of the folder, not only those that happened to cover it;
 * - each folder's tests are a subset of the suite, so the score is a lower bound.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const folder = process.env.MUTATION_FOLDER ?? 'ops';
// A mutant's last result is reused only while nothing StrykerJS cannot see has changed (see the file).
const { harnessDigest } = createRequire(import.meta.url)('./scripts/lib/mutation-harness.js');
const digest = harnessDigest(fileURLToPath(new URL('.', import.meta.url)), folder);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  jest: { projectType: 'custom', configFile: 'jest.mutation.config.js', enableFindRelatedTests: false },
  coverageAnalysis: 'perTest',
  ignoreStatic: false,
  mutate: [`${folder}/**/*.ts`],
  checkers: [],
  reporters: ['progress', 'json'],
  jsonReporter: { fileName: `.local/mutation/${folder}.json` },
  incremental: digest !== undefined,
  incrementalFile: `.local/mutation/${folder}.${digest}.incremental.json`,
  tempDirName: '.local/stryker-tmp',
  ignorePatterns: ['.local', '.venv', 'cdktf.out', 'bench/results.json', '*.tfstate', '*.tfstate.*'],
  // Generous: on a busy machine a slow run must not pass for a mutant that hangs (a timeout counts as killed).
  timeoutMS: 60000,
  cleanTempDir: true,
};
