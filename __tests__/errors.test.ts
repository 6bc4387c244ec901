// config/errors.ts: the user-facing error type and its exit codes, as every domain error carries them.
import { EXIT_CODES, oneLine, UsageError, UserError } from '../config/errors';
import { ConfigError } from '../config/types';
import { DeployedReadError } from '../exports/deployed';
import { StateOperationError } from '../ops/state';

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
