// The user-facing error types and how a message shows a foreign text. A leaf: it imports nothing of the project,
// so every folder may use it. The domain (config, iam, ops, exports) throws these; the command shell
// (scripts/lib/shell.ts) prints them as one line and exits with their code. Anything else that reaches the shell
// is a bug of this project: it is thrown on, so Node prints its stack trace and exits 1.

/** Exit codes of every command (README "Exit codes"). */
export const EXIT_CODES = {
  /** A mistake or missing prerequisite the user can fix: a setting, a refusal, a failed AWS or Terraform run. */
  user: 1,
  /** The command line itself is wrong: an unknown flag, command or stack, a missing or malformed argument. */
  usage: 2,
} as const;

export type UserExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** A mistake or missing prerequisite the user can fix: printed as one line, never with a stack trace; exits 1. */
export class UserError extends Error {
  /** The exit code of a command this error ends. */
  readonly exitCode: UserExitCode = EXIT_CODES.user;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The text with each line break (and the blanks around it) as one space: an error from elsewhere, as one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]\s*/g, ' ').trim();
}

// Controls (C0, DEL, C1 such as the 8-bit CSI), line and paragraph separators and bidi marks and overrides: printed
// as they are, a file's text would move the terminal's cursor, erase a line, reorder what a reader sees, or start a
// line of its own (which a CI log may read as a command, e.g. GitHub's "::add-mask::").
export const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** JSON text with the characters above escaped as \uXXXX too (JSON.stringify escapes only C0 controls). */
export function escaped(json: string): string {
  return json.replace(UNPRINTABLE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A text in JSON's quotes, with every character above escaped. */
export function quoted(text: string): string {
  return escaped(JSON.stringify(text));
}

/** A name from a file as a message shows it: as written, or quoted() when it holds a character above. */
export function printable(text: string): string {
  return new RegExp(UNPRINTABLE.source).test(text) ? quoted(text) : text;
}

/** The text, or its start and its length when it is longer than `limit`. */
export function cut(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}... (${text.length} characters)`;
}

/** How much of another's error a line keeps: an emulator or a proxy may answer with pages of text. */
const FOREIGN_ERROR_CHARS = 300;

/** The HTTP status of the answer an AWS SDK error came from; undefined when there was no answer. */
export function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/**
 * An error as one line: a UserError by its message (written for the user), any other as "<name>: <message>", cut
 * short so that what follows it in a line (a lock left behind, its ID) is not buried.
 */
export function errorLine(error: unknown): string {
  if (error instanceof UserError) return oneLine(error.message);
  if (!(error instanceof Error)) return cut(oneLine(String(error)), FOREIGN_ERROR_CHARS);
  const status = httpStatus(error);
  // An answer whose body names no AWS error (a proxy's HTML page) is "Unknown: UnknownError" to the SDK: its status is all it says.
  const unknown = error.name === 'Unknown' && status !== undefined ? ` (HTTP ${status})` : '';
  const name = error.name === 'Error' ? '' : `${error.name}: `;
  return cut(`${name}${oneLine(error.message) || '(no message)'}${unknown}`, FOREIGN_ERROR_CHARS);
}

/** A mistake in the command's own arguments: printed as one line; exits 2. */
export class UsageError extends UserError {
  override readonly exitCode = EXIT_CODES.usage;
}

/** At most this many problems are shown; the rest are counted in one more line. */
export const MAX_PROBLEMS_SHOWN = 20;

/** A user mistake in the configuration: one line per problem (the first MAX_PROBLEMS_SHOWN), never a stack trace. */
export class ConfigError extends UserError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    const shown =
      problems.length > MAX_PROBLEMS_SHOWN
        ? [...problems.slice(0, MAX_PROBLEMS_SHOWN), `${problems.length - MAX_PROBLEMS_SHOWN} more problems not shown`]
        : [...problems];
    super(shown.join('\n'));
    this.problems = shown;
  }
}
