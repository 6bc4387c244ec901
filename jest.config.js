/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  // jest's default is one worker per core but one; the tests are CPU-bound and the parent process idles.
  maxWorkers: '100%',
  // Type checking is done by `tsc --noEmit` in `npm run lint`; swc only strips types, which is fast.
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // Tests that start processes are in `npm run test:process` (jest.process.config.js).
  setupFilesAfterEnv: ['<rootDir>/__tests__/setup.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/__tests__/e2e/', '\\.process\\.test\\.ts$'],
  // Inside the project, not the shared /tmp/jest_*: a clean clone starts cold and `rm -rf node_modules` resets it.
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
};
