/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  // Type checking is done once by `tsc --noEmit` in `npm test`; swc only strips types, which is fast.
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  setupFilesAfterEnv: ['<rootDir>/__tests__/setup.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/__tests__/e2e/'],
  // Inside the project, not the shared /tmp/jest_*: a clean clone starts cold and `rm -rf node_modules` resets it.
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
};
