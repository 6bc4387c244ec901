// The command shell: every command and the app (main.ts) run their work through runCommand, the one place that
// decides how a failure ends the process. A UserError (errors.ts) is printed as one line and exits with
// its code: 2 for a usage error, 1 for the rest. An AWS SDK failure is about the environment: one line, exit 1.
// Anything else is a bug of this project: thrown on, so Node prints its stack trace and exits 1.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigError, EXIT_CODES, errorLine, oneLine, UsageError, UserError } from '../../errors';
import { stopOnSignals, stoppingOn } from './run';

export interface ShellOptions {
  /** Put before the line of a UserError or an AWS failure (a ConfigError has its own). @default 'error: ' */
  readonly prefix?: string;
  /** The command's synopsis, printed on a line of its own after a usage error; nothing more when omitted. */
  readonly usage?: string;
}

/** How a failure ends a command: the lines for stderr and the exit code. */
export interface Failure {
  readonly lines: readonly string[];
  readonly code: number;
}

/** The lines and exit code of a failure the user can act on; undefined for a bug of ours (no one-line story). */
export function failureOf(error: unknown, { prefix = 'error: ', usage }: ShellOptions = {}): Failure | undefined {
  if (error instanceof ConfigError)
    return {
      lines: error.problems.map((problem) => `tfstate config error: ${oneLine(problem)}`),
      code: error.exitCode,
    };
  // A UserError's message is one problem a line (deploy's adoption refusals are several): each line prefixed, so
  // no line of it reaches the terminal without saying whose it is.
  const problems = (message: string) =>
    message
      .split(/\r?\n/)
      .filter((line) => line.trim() !== '')
      .map((line) => `${prefix}${line}`);
  if (error instanceof UsageError)
    return { lines: [...problems(error.message), ...(usage === undefined ? [] : [usage])], code: error.exitCode };
  if (error instanceof UserError) return { lines: problems(error.message), code: error.exitCode };
  // No credentials found (real AWS): the SDK's own explanation, in one line.
  if (error instanceof Error && error.name === 'CredentialsProviderError')
    return { lines: [`${prefix}AWS credentials: ${error.message.split('\n')[0]}`], code: EXIT_CODES.user };
  // An AWS SDK failure (denied, throttled, missing) is about the environment, not our code: one problem, one
  // line, also when the service (or an emulator, a proxy) answered with a message of several lines.
  if (error instanceof Error && '$metadata' in error) {
    return { lines: [`${prefix}AWS request failed: ${errorLine(error)}`], code: EXIT_CODES.user };
  }
  return undefined;
}

/** parseArgs with its complaints (an unknown flag, a missing value) as UsageErrors. */
export function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    // parseArgs reports what it refuses with a TypeError carrying an ERR_PARSE_ARGS_* code.
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError((error as Error).message);
    throw error;
  }
}

/**
 * Entry point of a command: runs `main` and ends the process as failureOf says. SIGINT, SIGHUP and SIGTERM stop the
 * whole tree (see stopOnSignals); a reader that goes away (`| head`) only loses the rest of the output.
 */
export function runCommand(main: () => void | Promise<void>, options: ShellOptions = {}): void {
  // State files and logs hold resource attributes and outputs: only their owner reads them, children (terraform) too.
  process.umask(0o077);
  let finished = false;
  stopOnSignals(() => finished);
  // A reader that goes away (`| head`) must not end the work half done, reported as success (a deploy
  // mid-apply, a move holding its locks): the rest of the output is dropped and the exit code stays the command's.
  // Output that could not be written for another reason (`> file` on a full disk) ended the command the same way,
  // with a stack trace: now the work goes on too, and a command that succeeded exits 1, its output incomplete.
  let lost: string | undefined;
  for (const [name, stream] of [
    ['stdout', process.stdout],
    ['stderr', process.stderr],
  ] as const) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      stream.write = (() => true) as typeof stream.write;
      if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED')
        lost ??= `writing to ${name} failed (${oneLine(error.message)}): the output is incomplete`;
    });
  }
  new Promise<void>((resolve) => resolve(main()))
    .then(
      // A stream reports a failed write on the next tick: the verdict waits for the last writes' reports.
      () =>
        new Promise<number>((resolve) =>
          setImmediate(() => {
            if (lost !== undefined) console.error(`${options.prefix ?? 'error: '}${lost}`);
            resolve(lost === undefined ? 0 : EXIT_CODES.user);
          }),
        ),
      (error: unknown): number | undefined => {
        const failure = failureOf(error, options);
        if (failure !== undefined) {
          for (const line of failure.lines) console.error(line);
          return failure.code;
        }
        // Our bug, while a signal stops the command: its handler exits once the children are gone.
        if (stoppingOn()) {
          console.error(error);
          return 1;
        }
        // Our bug: thrown on, so Node prints the stack trace (app.cjs maps it to the .ts sources) and exits 1.
        // Thrown outside the promise chain: an unhandled rejection ends node only in its default mode, and with
        // NODE_OPTIONS=--unhandled-rejections=warn (or none) the bug exited 0.
        process.exitCode = 1;
        setImmediate(() => {
          throw error;
        });
        return undefined;
      },
    )
    .then((code) => {
      finished = true;
      // Stopping on a signal: the signal handler exits (with the signal's code) once the tree is gone too.
      if (code !== undefined && code !== 0 && !stoppingOn()) process.exit(code);
    });
}

/** Prints a progress line the same way in every command, on stderr: stdout carries what a command reports (a listing, an export). */
export function progress(line: string): void {
  console.error(`==> ${line}`);
}
