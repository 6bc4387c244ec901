// The tests StrykerJS runs against each mutant of one folder (stryker.config.mjs, scripts/mutation.ts).
const base = require('./jest.config');

/**
 * Each folder's tests. Loading a test file costs about 0.3 s for every mutant, so a folder is not measured
 * against the whole suite: the score is what these tests catch, a lower bound. Tests that start the commands
 * as child processes are left out of every folder.
 */
const FOLDER_TESTS = {
  config: [
    'backend',
    'naming',
    'load',
    'load-edges',
    'rules',
    'hostile-settings',
    'brownfield-config',
    'project-stacks',
    'readme',
    'settings-table',
    'trust',
  ],
  constructs: [
    'stacks',
    'state-bucket',
    'private-bucket',
    'log-bucket',
    'state-replication',
    'kms-key-table-policies',
    'brownfield-stacks',
    'emulator',
    'lifecycle',
    'policies',
  ],
  stacks: [
    'stacks',
    'bootstrap-wiring',
    'stack-outputs',
    'emulator',
    'project-stacks',
    'brownfield-stacks',
    'security',
    'policies',
    'kms-key-table-policies',
  ],
  iam: ['arn', 'key-patterns', 'policy-sids', 'policies', 'policy-simulation', 'policy-mutation', 'security'],
  ops: ['state-ops', 'state-move', 'state-restore', 'state-keys', 'bucket-ops', 'teardown-bulk'],
  exports: ['exports', 'exports-deployed', 'project-stacks', 'policies'],
};

const folder = process.env.MUTATION_FOLDER ?? 'ops';
const tests = FOLDER_TESTS[folder];
if (!tests) throw new Error(`MUTATION_FOLDER=${folder}: must be one of ${Object.keys(FOLDER_TESTS).join(', ')}`);

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: tests.map((name) => `**/__tests__/${name}.test.ts`),
  // Snapshot matching off: a changed snapshot is not a failing behavior test (`jest -u` accepts it).
  setupFilesAfterEnv: [...base.setupFilesAfterEnv, '<rootDir>/__tests__/mutation-setup.ts'],
  // Loads only the files that hold the tests a mutant is run against (see the file).
  runner: '<rootDir>/scripts/lib/mutation-jest-runner.js',
};
module.exports.FOLDER_TESTS = FOLDER_TESTS;
