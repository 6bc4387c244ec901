// The baseline's way of running our unit suite: jest with the ts-jest preset that `cdktf init
// --template=typescript` writes, which type-checks every test file as it transforms it.
/** @type {import('jest').Config} */
module.exports = {
  rootDir: '../..',
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/bench/baseline/tsconfig.jest.json' }] },
  setupFilesAfterEnv: ['<rootDir>/__tests__/setup.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/__tests__/e2e/'],
  cacheDirectory: '<rootDir>/node_modules/.cache/jest-baseline',
};
