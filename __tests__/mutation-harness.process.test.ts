// The incremental file's name (scripts/lib/mutation-harness.js): it changes with every file StrykerJS's
// incremental mode cannot see, and only with those, on a small git work tree of the project's shape.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const { harnessDigest } = require('../scripts/lib/mutation-harness.js') as {
  harnessDigest: (root: string, folder: string) => string | undefined;
};

const FILES: Record<string, string> = {
  'jest.config.js': 'module.exports = {};\n',
  'ops/state.ts': 'export const a = 1;\n',
  'config/load.ts': 'export const b = 2;\n',
  '__tests__/fake-aws.ts': 'export class FakeAws {}\n',
  '__tests__/state.test.ts': "test('a', () => expect(1).toBe(1));\n",
  '__tests__/__snapshots__/stacks.test.ts.snap': 'exports[`x`] = `1`;\n',
  'README.md': '# project\n',
};

let root: string;
const write = (file: string, text: string) => {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), text);
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'mutation-harness-'));
  execFileSync('git', ['init', '-q'], { cwd: root });
  for (const [file, text] of Object.entries(FILES)) write(file, text);
  write('.gitignore', '.local/\nnode_modules/\n');
  execFileSync('git', ['add', '.'], { cwd: root });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

test('the digest of the code, configs and test helpers, by path and content', () => {
  // sha256 over "<path>\0<content>\0" of .gitignore, __tests__/fake-aws.ts, config/load.ts, jest.config.js, in order (ops/ is the measured folder).
  expect(harnessDigest(root, 'ops')).toBe('18b4f543c779');
});

const RENAMES = 'names a new incremental file';
const KEEPS = 'keeps the incremental file';
test.each([
  ['a test helper (fake-aws.ts)', RENAMES, '__tests__/fake-aws.ts'],
  ['code of another folder the tests run (config/)', RENAMES, 'config/load.ts'],
  ['code of the measured folder (StrykerJS diffs its mutants itself)', KEEPS, 'ops/state.ts'],
  ['a jest config', RENAMES, 'jest.config.js'],
  ['a test file (StrykerJS diffs those itself)', KEEPS, '__tests__/state.test.ts'],
  ['a snapshot (matching is off)', KEEPS, '__tests__/__snapshots__/stacks.test.ts.snap'],
  ['the README', KEEPS, 'README.md'],
])('changing %s %s', (_, effect, file) => {
  const before = harnessDigest(root, 'ops');
  write(file, `${FILES[file]}// changed\n`);
  expect(harnessDigest(root, 'ops') === before ? KEEPS : RENAMES).toBe(effect);
});

test.each([
  [
    'a file of the measured folder that is not its code (StrykerJS mutates and diffs only ops/**/*.ts)',
    'ops/regions.json',
  ],
  ['a folder named like the measured one, and longer', 'ops-extra/state.ts'],
  ['a file at the root named like the measured folder', 'ops.ts'],
])('%s counts', (_, file) => {
  write(file, '1\n');
  const before = harnessDigest(root, 'ops');
  write(file, '2\n');
  expect(harnessDigest(root, 'ops')).not.toBe(before);
});

test('a new file not yet committed counts, an ignored one does not', () => {
  const before = harnessDigest(root, 'ops');
  write('.local/mutation/ops.json', '{}');
  expect(harnessDigest(root, 'ops')).toBe(before);
  write('__tests__/mutation-setup.ts', 'expect.extend({});\n');
  expect(harnessDigest(root, 'ops')).not.toBe(before);
});

test('a link to a folder that .gitignore does not catch (node_modules/ matches no link) is left out, not a crash', () => {
  const before = harnessDigest(root, 'ops');
  symlinkSync(tmpdir(), join(root, 'node_modules'));
  expect(harnessDigest(root, 'ops')).toBe(before);
});

test('a file deleted from the work tree but still in the index is left out, not a crash', () => {
  rmSync(join(root, 'ops/state.ts'));
  expect(harnessDigest(root, 'ops')).toMatch(/^[0-9a-f]{12}$/);
});

test('no git work tree: no digest, so nothing is reused', () => {
  rmSync(join(root, '.git'), { recursive: true });
  expect(harnessDigest(root, 'ops')).toBeUndefined();
});
