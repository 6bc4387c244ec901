// Teardown's trust in what it lists (keys printed escaped, only listed versions deleted) and its bulk work's pacing.

import type { ObjectVersion } from '../ops/bucket';
import { printable } from '../ops/printable';
import { BULK_LIMITS } from '../scripts/lib/aws';
import { withTicker } from '../scripts/lib/ticker';
import { stateListLines } from '../scripts/state';
import { someKeys, teardownPlan, writtenSince } from '../scripts/teardown';
import { configFrom } from './helpers';

describe('printable', () => {
  test.each([
    ['app/terraform.tfstate', 'app/terraform.tfstate'],
    ['a\u001b[2J\u001b[Hb', 'a\\x1b[2J\\x1b[Hb'],
    ['nul\u0000 tab\t cr\r lf\n us\u001f', 'nul\\x00 tab\\x09 cr\\x0d lf\\x0a us\\x1f'],
    ['del\u007f csi\u009b2J c1\u0080 nbsp\u00a0', 'del\\x7f csi\\x9b2J c1\\x80 nbsp\u00a0'],
    ['space ~ é 状態', 'space ~ é 状態'],
    [
      'prod\u202egpj.tfstate \u2066x\u2069 \u200f \u2028',
      'prod\\u{202e}gpj.tfstate \\u{2066}x\\u{2069} \\u{200f} \\u{2028}',
    ],
  ])('%j prints as %j', (key, shown) => {
    expect(printable(key)).toBe(shown);
  });
});

test('state list escapes the keys and the lock holder it prints', () => {
  const lock = {
    source: 'dynamodb' as const,
    info: {
      ID: 'id\u001b[1m',
      Operation: 'OperationTypeApply',
      Info: '',
      Who: 'mallory\u001b[2K\r',
      Version: '1.11.4',
      Created: '',
      Path: '',
    },
  };
  expect(
    stateListLines('my-state', [
      {
        key: 'app/terraform.tfstate',
        current: { size: 12, lastModified: new Date('2026-12-03T10:00:00Z') },
        versions: 2,
        locks: [],
      },
      { key: 'x\u001b]8;;http://evil\u0007/terraform.tfstate', current: undefined, versions: 1, locks: [lock] },
    ]),
  ).toEqual([
    's3://my-state: 2 state key(s)',
    '  app/terraform.tfstate  12 bytes  2026-12-03T10:00:00.000Z  2 version(s)  not locked',
    '  x\\x1b]8;;http://evil\\x07/terraform.tfstate  (deleted: restorable from its versions)  1 version(s)  locked by mallory\\x1b[2K\\x0d (ID id\\x1b[1m, OperationTypeApply)',
  ]);
});

const version = (key: string, versionId: string): ObjectVersion => ({
  key,
  versionId,
  deleteMarker: false,
  lastModified: new Date(0),
  size: 1,
  isLatest: true,
});

describe('teardown listing of hostile keys', () => {
  const config = configFrom({ TFSTATE_BUCKET: 'my-state' });
  test('keys and their folders are escaped in the listing and in the refusal', () => {
    const plan = teardownPlan(config, [
      version('evil\u001b]0;x\u0007/terraform.tfstate', 'v1'),
      version('top\u009b1A', 'v2'),
    ]);
    expect(plan.lines).toEqual([
      's3://my-state: 2 key(s), 2 version(s) and delete marker(s) to delete',
      '  evil\\x1b]0;x\\x07/ (1 key(s))',
      '    evil\\x1b]0;x\\x07/terraform.tfstate  1 version(s)  [not written by this project]',
      '  (top level) (1 key(s))',
      '    top\\x9b1A  1 version(s)  [not written by this project]',
    ]);
    expect(someKeys(plan.foreign)).toBe('evil\\x1b]0;x\\x07/terraform.tfstate, top\\x9b1A');
  });
  test('at most five keys are named, then how many more', () => {
    expect(someKeys(['a', 'b', 'c', 'd', 'e', 'f', 'g'])).toBe('a, b, c, d, e, and 2 more');
  });
});

describe('writtenSince', () => {
  const listed = [version('app/terraform.tfstate', 'v1'), version('app/terraform.tfstate', 'v2')];
  test('a new key and a new version of a listed key are both written since; the listed ones are not', () => {
    const now = [
      ...listed,
      version('network/terraform.tfstate', 'n1'),
      version('app/terraform.tfstate', 'v3'),
      version('network/terraform.tfstate', 'n2'),
    ];
    expect(writtenSince(listed, now)).toEqual(['app/terraform.tfstate', 'network/terraform.tfstate']);
  });
  test('the same listing again, or part of it: nothing', () => {
    expect(writtenSince(listed, listed)).toEqual([]);
    expect(writtenSince(listed, listed.slice(1))).toEqual([]);
  });
  test('a version id is matched with its key, not alone', () => {
    expect(writtenSince(listed, [version('network/terraform.tfstate', 'v1')])).toEqual(['network/terraform.tfstate']);
  });
});

describe('bulk pacing', () => {
  afterEach(() => jest.useRealTimers());
  test('a progress line every 10 s with the counts of that moment, none once the work is done', async () => {
    jest.useFakeTimers();
    const lines: string[] = [];
    const log = jest.spyOn(console, 'error').mockImplementation((line: string) => void lines.push(line));
    let count = 0;
    let finish: (value: string) => void = () => {};
    const work = withTicker(() => `${count} done`, new Promise<string>((resolve) => (finish = resolve)));
    jest.advanceTimersByTime(9_999);
    expect(lines).toEqual([]);
    count = 250;
    jest.advanceTimersByTime(1);
    count = 500;
    jest.advanceTimersByTime(10_000);
    finish('result');
    expect(await work).toBe('result');
    jest.advanceTimersByTime(30_000);
    log.mockRestore();
    expect(lines).toEqual(['==> 250 done', '==> 500 done']);
  });
  test('bulk requests are sent once by the SDK (a timed-out batch may still be running), may take two minutes, and a "slow down" answer is tried again up to 4 times', () => {
    expect(BULK_LIMITS).toEqual({
      connectTimeoutMs: 3_000,
      requestTimeoutMs: 120_000,
      maxAttempts: 1,
      answeredRetries: { times: 4, backoffMs: 1_000 },
    });
  });
});
