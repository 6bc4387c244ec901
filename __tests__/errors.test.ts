// errors.ts: the user-facing error type and its exit codes, as every domain error carries them.
import { ConfigError, cut, EXIT_CODES, errorLine, oneLine, UsageError, UserError } from '../errors';
import { DeployedReadError } from '../exports/deployed';
import { StateOperationError } from '../ops/operation';

test('the exit codes: 1 for a user error, 2 for a usage error', () => {
  expect(EXIT_CODES).toEqual({ user: 1, usage: 2 });
});

test.each([
  ['UserError', 1, new UserError('m')],
  ['UsageError', 2, new UsageError('m')],
  ['ConfigError', 1, new ConfigError(['m'])],
  ['StateOperationError', 1, new StateOperationError('m')],
  ['DeployedReadError', 1, new DeployedReadError('m')],
] as const)('%s is a UserError that exits %d', (name, code, error) => {
  expect(error).toBeInstanceOf(UserError);
  expect(error.exitCode).toBe(code);
  // Its own name where it is ever shown with a stack (a failure while a signal stops the command).
  expect(String(error)).toBe(`${name}: m`);
});

test('a ConfigError shows 20 problems; beyond that the first 20 and a count of the rest', () => {
  const problems = (count: number) => Array.from({ length: count }, (_, i) => `p${i + 1}`);
  expect(new ConfigError(problems(20)).problems).toEqual(problems(20));
  expect(new ConfigError(problems(23)).problems).toEqual([...problems(20), '3 more problems not shown']);
  expect(new ConfigError(problems(23)).message.split('\n')).toHaveLength(21);
});

test.each([
  ['one line', 'one line'],
  ['Rate exceeded\r\n  try again later\n', 'Rate exceeded try again later'],
  ['a\nb', 'a b'],
  ['  Access Denied \n\n for this key  ', 'Access Denied for this key'],
])('oneLine(%j) is %j', (text, line) => {
  expect(oneLine(text)).toBe(line);
});

describe('an error as one line', () => {
  test('a user error by its message alone, whole', () => {
    expect(errorLine(new StateOperationError(`s3://b/k is locked\n${'y'.repeat(400)}`))).toBe(
      `s3://b/k is locked ${'y'.repeat(400)}`,
    );
  });
  test('another by its name and message; an unnamed one by its message; none as "(no message)"', () => {
    expect(errorLine(Object.assign(new Error('Rate exceeded\r\n  try again'), { name: 'ThrottlingException' }))).toBe(
      'ThrottlingException: Rate exceeded try again',
    );
    expect(errorLine(new Error('socket hang up'))).toBe('socket hang up');
    expect(errorLine(Object.assign(new Error(''), { name: 'InternalError' }))).toBe('InternalError: (no message)');
    expect(errorLine('a thrown string')).toBe('a thrown string');
    expect(errorLine(undefined)).toBe('undefined');
  });
  test('an answer the SDK could not name carries its HTTP status; a named one does not need it', () => {
    expect(
      errorLine(Object.assign(new Error('UnknownError'), { name: 'Unknown', $metadata: { httpStatusCode: 502 } })),
    ).toBe('Unknown: UnknownError (HTTP 502)');
    expect(errorLine(Object.assign(new Error('UnknownError'), { name: 'Unknown', $metadata: {} }))).toBe(
      'Unknown: UnknownError',
    );
    expect(
      errorLine(Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })),
    ).toBe('AccessDenied: denied');
  });
  test('pages of text are cut at 300 characters, the length said', () => {
    expect(errorLine(Object.assign(new Error('x'.repeat(286)), { name: 'InternalError' }))).toBe(
      `InternalError: ${'x'.repeat(285)}... (301 characters)`,
    );
    expect(errorLine(Object.assign(new Error('x'.repeat(285)), { name: 'InternalError' }))).toBe(
      `InternalError: ${'x'.repeat(285)}`,
    );
    expect(errorLine('z'.repeat(301))).toBe(`${'z'.repeat(300)}... (301 characters)`);
    expect(cut('abc', 3)).toBe('abc');
    expect(cut('abcd', 3)).toBe('abc... (4 characters)');
  });
});
