// The command shell in-process: how each kind of failure ends a command (lines and exit code). The spawned
// checks of the same rules, one per command kind, are in command-process.process.test.ts.
import { ConfigError, UsageError, UserError } from '../errors';
import { DeployedReadError } from '../exports/deployed';
import { exportSettings } from '../exports/export';
import { StateOperationError } from '../ops/operation';
import { deployArguments } from '../scripts/deploy';
import { failureOf, parseCommandLine, progress } from '../scripts/lib/shell';
import { configFrom } from './helpers';

/** The error `body` throws (fails the test when it throws none). */
function thrown(body: () => unknown): unknown {
  try {
    body();
  } catch (error) {
    return error;
  }
  throw new Error('nothing was thrown');
}

describe('failureOf: the one place that decides how a command ends', () => {
  test('a usage error exits 2: the prefixed line, then the command synopsis when it has one', () => {
    expect(
      failureOf(new UsageError('--stack "x": not a stack'), {
        prefix: 'backend-config: ',
        usage: 'usage: npm run backend-config -- ...',
      }),
    ).toEqual({
      lines: ['backend-config: --stack "x": not a stack', 'usage: npm run backend-config -- ...'],
      code: 2,
    });
    expect(failureOf(new UsageError('unknown command "x"'))).toEqual({
      lines: ['error: unknown command "x"'],
      code: 2,
    });
  });

  test('a user error exits 1 in one prefixed line, with no synopsis', () => {
    expect(failureOf(new UserError('deploy the bootstrap stack first'), { usage: 'usage: ...' })).toEqual({
      lines: ['error: deploy the bootstrap stack first'],
      code: 1,
    });
    expect(failureOf(new UserError('2 problem(s)'), { prefix: 'scan: ' })).toEqual({
      lines: ['scan: 2 problem(s)'],
      code: 1,
    });
  });

  test('the domain errors are user errors: exit 1, their message as the line', () => {
    expect(failureOf(new StateOperationError('s3://b/k is locked by ci@runner'))).toEqual({
      lines: ['error: s3://b/k is locked by ci@runner'],
      code: 1,
    });
    expect(failureOf(new DeployedReadError('reading the outputs: no answer'), { prefix: 'backend-config: ' })).toEqual({
      lines: ['backend-config: reading the outputs: no answer'],
      code: 1,
    });
  });

  test('a config error exits 1 with one line per problem, whatever the command prefix', () => {
    expect(
      failureOf(new ConfigError(['TFSTATE_BUCKET="A": bad', 'TFSTATE_REGION="x": bad']), { prefix: 'scan: ' }),
    ).toEqual({
      lines: ['tfstate config error: TFSTATE_BUCKET="A": bad', 'tfstate config error: TFSTATE_REGION="x": bad'],
      code: 1,
    });
  });

  test('an AWS SDK failure is the environment: exit 1, one line naming the error', () => {
    const denied = Object.assign(new Error('User is not authorized'), {
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    expect(failureOf(denied)).toEqual({
      lines: ['error: AWS request failed: AccessDenied: User is not authorized'],
      code: 1,
    });
    const unnamed = Object.assign(new Error(''), { $metadata: {} });
    expect(failureOf(unnamed)).toEqual({ lines: ['error: AWS request failed: (no message)'], code: 1 });
    const noCredentials = Object.assign(new Error('Could not load credentials from any providers\nmore detail'), {
      name: 'CredentialsProviderError',
    });
    expect(failureOf(noCredentials)).toEqual({
      lines: ['error: AWS credentials: Could not load credentials from any providers'],
      code: 1,
    });
  });

  // A message of several lines printed its later lines bare (deploy glued "error: " into its own message), and an
  // AWS answer of several lines (an emulator's, a proxy's HTML) spread one problem over many lines.
  test('every line printed for a user error says whose it is; an AWS failure of several lines is one line', () => {
    expect(failureOf(new UserError('refusal one\nrefusal two\n'), { prefix: 'deploy: ' })).toEqual({
      lines: ['deploy: refusal one', 'deploy: refusal two'],
      code: 1,
    });
    expect(failureOf(new UsageError('bad flag\r\nsecond'), { usage: 'usage: x' })).toEqual({
      lines: ['error: bad flag', 'error: second', 'usage: x'],
      code: 2,
    });
    const html = Object.assign(new Error('<html>\n  <body>Bad Gateway</body>\n</html>'), {
      name: 'BadGateway',
      $metadata: { httpStatusCode: 502 },
    });
    expect(failureOf(html)).toEqual({
      lines: ['error: AWS request failed: BadGateway: <html> <body>Bad Gateway</body> </html>'],
      code: 1,
    });
    // The same as the state commands' lines: pages of text cut short, an error the SDK could not name with its status.
    const pages = Object.assign(new Error('x'.repeat(5000)), {
      name: 'InternalError',
      $metadata: { httpStatusCode: 500 },
    });
    expect(failureOf(pages)).toEqual({
      lines: [`error: AWS request failed: InternalError: ${'x'.repeat(285)}... (5015 characters)`],
      code: 1,
    });
    const unknown = Object.assign(new Error('UnknownError'), { name: 'Unknown', $metadata: { httpStatusCode: 502 } });
    expect(failureOf(unknown)).toEqual({
      lines: ['error: AWS request failed: Unknown: UnknownError (HTTP 502)'],
      code: 1,
    });
    expect(failureOf(new ConfigError(['tfstate.config.json: is not valid JSON (a\nb)']))).toEqual({
      lines: ['tfstate config error: tfstate.config.json: is not valid JSON (a b)'],
      code: 1,
    });
  });

  test('anything else is our bug: no one-line story (the shell throws it on with its stack trace)', () => {
    expect(failureOf(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBeUndefined();
    expect(failureOf('a thrown string')).toBeUndefined();
  });
});

describe('each command kind throws the error its exit code comes from', () => {
  const config = configFrom({ TFSTATE_ENVIRONMENTS: 'dev' });

  test('parseCommandLine: an unknown flag or a missing value is a usage error', () => {
    const commandLine = (args: string[]) =>
      parseCommandLine({ options: { stack: { type: 'string' } }, strict: true, args });
    expect(failureOf(thrown(() => commandLine(['--nope'])))?.code).toBe(2);
    expect(failureOf(thrown(() => commandLine(['--stack'])))?.code).toBe(2);
    expect(commandLine(['--stack', 'app']).values).toEqual({ stack: 'app' });
  });

  test('deploy: no stack, an unknown stack, a stack after a flag exit 2', () => {
    expect(failureOf(thrown(() => deployArguments(config, ['--parallelism', '1'])))?.code).toBe(2);
    expect(failureOf(thrown(() => deployArguments(config, ['app-qa'])))?.code).toBe(2);
    expect(failureOf(thrown(() => deployArguments(config, ['app', '--parallelism', 'app-dev'])))?.code).toBe(2);
  });

  // A right command line before bootstrap was deployed exited 2 and printed the synopsis, as if a flag were wrong.
  test('backend-config: a wrong flag value exits 2; a missing deployment to read from exits 1, with no synopsis', () => {
    expect(failureOf(thrown(() => exportSettings(config, { format: 'yaml' }, {})))?.code).toBe(2);
    expect(
      failureOf(
        thrown(() => exportSettings(config, { format: 'policy', forAccount: '111122223333' }, {})),
        { usage: 'usage: x' },
      ),
    ).toEqual({
      lines: [
        "error: --for-account 111122223333: needs the ARN of the state's KMS key, which exists once bootstrap is deployed (output kms_key_arn); deploy bootstrap first, from this folder",
      ],
      code: 1,
    });
  });
});

test('progress lines go to stderr, leaving stdout to what a command reports (a listing, an export)', () => {
  const out = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  const err = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  progress('listing s3://b: 10 version(s) so far');
  expect(err.mock.calls).toEqual([['==> listing s3://b: 10 version(s) so far']]);
  expect(out).not.toHaveBeenCalled();
  out.mockRestore();
  err.mockRestore();
});
