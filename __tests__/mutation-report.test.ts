import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { folderScore, type MutationReport } from '../scripts/lib/mutation-report';

const mutant = (id: string, status: string, line: number) => ({
  id,
  mutatorName: 'StringLiteral',
  replacement: '""',
  location: { start: { line, column: 5 } },
  status,
});

describe('folderScore', () => {
  const report: MutationReport = {
    files: {
      'ops/state.ts': {
        mutants: [
          mutant('1', 'Killed', 10),
          mutant('2', 'Timeout', 11),
          mutant('3', 'Survived', 12),
          mutant('4', 'CompileError', 13),
        ],
      },
      'ops/keys.ts': {
        mutants: [mutant('5', 'Killed', 3), mutant('6', 'Ignored', 4), mutant('7', 'NoCoverage', 5)],
      },
    },
  };

  test('counts ignored, survived and uncovered mutants against the score, and leaves errors out', () => {
    expect(folderScore(report)).toMatchObject({ killed: 3, total: 6, score: 50 });
  });

  test('says how many of the killed timed out and how many errored, so neither hides in the score', () => {
    expect(folderScore(report)).toMatchObject({ timedOut: 1, errored: 1 });
  });

  test.each([
    ["no mutant at all (the folder's files not found)", []],
    ['only mutants that errored', [mutant('1', 'RuntimeError', 1), mutant('2', 'CompileError', 2)]],
  ])('a folder with %s scores 0, not 100: nothing was measured', (_, mutants) => {
    expect(folderScore({ files: { 'ops/state.ts': { mutants } } })).toMatchObject({ killed: 0, total: 0, score: 0 });
  });

  test('a report of an unfinished run (a mutant still Pending) gives no score', () => {
    expect(() =>
      folderScore({ files: { 'ops/state.ts': { mutants: [mutant('1', 'Killed', 1), mutant('2', 'Pending', 2)] } } }),
    ).toThrow('ops/state.ts:2:5: mutant 2 is Pending: the report is not of a finished run');
  });

  test('lists each mutant left alive (ignored, uncovered, survived) by file and line', () => {
    expect(folderScore(report).alive).toEqual([
      { where: 'ops/keys.ts:4:5', mutator: 'StringLiteral', replacement: '""' },
      { where: 'ops/keys.ts:5:5', mutator: 'StringLiteral', replacement: '""' },
      { where: 'ops/state.ts:12:5', mutator: 'StringLiteral', replacement: '""' },
    ]);
  });

  test('rounds the score down, so 85% is never shown for 84.99%', () => {
    const files = {
      'a.ts': {
        mutants: [
          ...Array.from({ length: 17 }, (_, i) => mutant(`k${i}`, 'Killed', i)),
          ...Array.from({ length: 3 }, (_, i) => mutant(`s${i}`, 'Survived', i)),
          mutant('x', 'Survived', 99),
        ],
      },
    };
    expect(folderScore({ files }).score).toBe(80.9);
  });
});

describe('FOLDER_TESTS (jest.mutation.config.js)', () => {
  const { FOLDER_TESTS } = require('../jest.mutation.config.js') as { FOLDER_TESTS: Record<string, string[]> };
  test('names only test files that exist, so a renamed file cannot silently leave a folder unmeasured', () => {
    const missing = Object.values(FOLDER_TESTS)
      .flat()
      .filter((name) => !existsSync(join(__dirname, `${name}.test.ts`)));
    expect(missing).toEqual([]);
  });
  test('measures every product folder with behaviour', () => {
    expect(Object.keys(FOLDER_TESTS).sort()).toEqual(['config', 'constructs', 'exports', 'iam', 'ops', 'stacks']);
  });
});
