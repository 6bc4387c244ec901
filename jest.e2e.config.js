/** @type {import('jest').Config} End-to-end suite (`npm run test:e2e`): real cdktf and terraform against moto. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__/e2e'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // Generous, bounded: a scenario is a few cdktf runs of about 20 s each; each run has its own bound too.
  testTimeout: 600_000,
  // Two scenarios at a time (each has its own emulator, workspace and plugin cache): much of a scenario is
  // waiting (KMS propagation, lock retries), so two fit on two cores.
  maxWorkers: 2,
};
