/** @type {import('jest').Config} End-to-end suite (`npm run test:e2e`): real cdktf and terraform against moto. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__/e2e'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // Generous, bounded: a scenario is a few cdktf runs of about 20 s each; each run has its own bound too.
  testTimeout: 300_000,
  maxWorkers: 1,
};
