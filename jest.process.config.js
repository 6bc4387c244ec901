// `npm run test:process`: the tests that start the commands, the app or git as child processes. They are kept
// out of `npm test` (jest.config.js) to keep it fast; .ci/run runs both.
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = { ...base, testMatch: ['**/*.process.test.ts'], testPathIgnorePatterns: ['/node_modules/'] };
