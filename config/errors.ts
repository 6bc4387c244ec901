// The one user-facing error type. The domain (config, ops, exports) throws it; the command shell
// (scripts/lib/shell.ts) prints it as one line and exits with its code. Anything else that reaches the shell
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

/** A mistake in the command's own arguments: printed as one line; exits 2. */
export class UsageError extends UserError {
  override readonly exitCode = EXIT_CODES.usage;
}
