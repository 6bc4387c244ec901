// Deploying and destroying the project's stacks through the real cdktf CLI, with the environment every
// command needs (CLI config, no checkpoint calls, plain output) and failures turned into one-line errors.
import { appendFileSync, mkdirSync, writeFileSync } from 'fs';
import { dirname, join, relative } from 'path';
import { SETTINGS } from '../../config/settings';
import { BackendConfig, ConfigError } from '../../config/types';
import { stackStateKey } from '../../exports/export';
import { describeLock, findLocks } from '../../ops/state';
import { awsClients } from './aws';
import { UserError, completedStacks, firstError, lockHeld, missingBucket } from './diagnose';
import { RunResult, cdktfArgs, cdktfBin, onPath, run, stopOnSignals, stoppingOn } from './run';
import { findProviderMirror, mirrorCandidates, terraformEnv } from './terraform-config';

/** This project's root, and its gitignored folder for the CLI config, plugin cache and run logs. */
export const PROJECT_ROOT = join(__dirname, '..', '..');
export const LOCAL_DIR = join(PROJECT_ROOT, '.local');

/** Where cdktf runs (a project folder: cdktf.json, main.ts) and with which environment. */
export interface StackRunner {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  /** Echo of cdktf's output, e.g. to the terminal; silent when omitted. */
  readonly onOutput?: (text: string) => void;
  /** Bound of one cdktf run. @default 600_000 */
  readonly timeoutMs?: number;
  /**
   * Bound of a silence: terraform prints at least every 10 s while it works ("Still creating..."), so this
   * long without a line means it waits on something that will not answer. @default 120_000
   */
  readonly silenceMs?: number;
}

/**
 * The environment for cdktf/terraform: `base`, the CLI config and plugin cache in `localDir` (a gitignored
 * folder), plain (non-TUI) output via CI=true, then `extra` (settings, emulator endpoint, credentials).
 * Throws a UserError when terraform is not installed or TFSTATE_PROVIDER_MIRROR is wrong.
 */
export function stackEnv(localDir: string, base: NodeJS.ProcessEnv, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  if (!onPath('terraform', base)) throw new UserError('terraform not found on PATH: install Terraform >= 1.10 (1.11.4 is tested)');
  let mirror;
  try {
    mirror = findProviderMirror(base);
  } catch (error) {
    throw new UserError((error as Error).message);
  }
  return { ...base, ...terraformEnv(localDir, mirror), CI: 'true', ...extra };
}

/** `env` without the project's settings (TFSTATE_*, AWS_ENDPOINT_URL): a run that must not see the caller's. */
export function withoutSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('TFSTATE_') && name !== SETTINGS.endpoint.env));
}

/** Runs `cdktf deploy|destroy` on the stacks, returning the raw result (no interpretation). */
export function cdktf(runner: StackRunner, verb: 'deploy' | 'destroy', stacks: readonly string[], extra: readonly string[] = [], settings: Record<string, string> = {}): Promise<RunResult> {
  return run(cdktfBin(runner.dir), cdktfArgs(verb, stacks, extra), {
    cwd: runner.dir,
    env: { ...runner.env, ...settings },
    timeoutMs: runner.timeoutMs ?? 600_000,
    silenceMs: runner.silenceMs ?? 120_000,
    onOutput: runner.onOutput,
  });
}

/**
 * Like cdktf(), but success is Terraform's own: every stack must report "Apply complete!" (deploy) or
 * "Destroy complete!" (destroy), since cdktf exits 0 even when terraform was killed mid-apply. A failure
 * becomes a UserError with one line that says what to do: a missing state bucket (deploy bootstrap first), a
 * held lock (who holds it), no provider available (the mirror), a silent endpoint, else Terraform's first
 * error; when a lock of ours was left behind, the line names it and the command that releases it.
 */
export async function cdktfOrExplain(runner: StackRunner, verb: 'deploy' | 'destroy', stacks: readonly string[], config: BackendConfig, extra: readonly string[] = [], settings: Record<string, string> = {}): Promise<RunResult> {
  const result = await cdktf(runner, verb, stacks, extra, settings);
  await ensureCompleted(runner, verb, stacks, config, result);
  return result;
}

/**
 * Throws a UserError unless Terraform itself reported every stack complete (cdktf exits 0 when terraform is
 * killed): the failure's one line, plus the locks an unfinished stack left behind and how to release them.
 */
export async function ensureCompleted(runner: StackRunner, verb: 'deploy' | 'destroy', stacks: readonly string[], config: BackendConfig, result: RunResult): Promise<void> {
  const what = `cdktf ${verb} ${stacks.join(' ')}`;
  const completed = completedStacks(result.output, stacks, verb);
  const unfinished = stacks.filter((stack) => !completed.has(stack));
  if (result.code === 0 && unfinished.length === 0) return;
  const reason =
    result.code === 0
      ? `${what}: Terraform did not report "${verb === 'deploy' ? 'Apply' : 'Destroy'} complete!" for ${unfinished.join(', ')} (it was killed or crashed; cdktf still exited 0)`
      : explainFailure(what, result, config.bucket);
  // A missing bucket or another holder's lock is the whole story; otherwise a run of ours may have left its lock.
  const explained = missingBucket(result.output, config.bucket) !== undefined || lockHeld(result.output) !== undefined;
  throw new UserError(`${reason}${explained ? '' : await leftLocks(runner.dir, config, unfinished)}`);
}

/** "; ..." naming the state locks an unfinished stack left behind and how to release them, else "". */
async function leftLocks(projectDir: string, config: BackendConfig, stacks: readonly string[]): Promise<string> {
  // Bootstrap's local state is locked with a file lock, which the operating system released with the process.
  const remote = stacks.filter((stack) => stack !== 'bootstrap' || config.bootstrapBackend === 's3');
  if (remote.length === 0) return '';
  const parts: string[] = [];
  try {
    const clients = awsClients(config.region, config.endpoint);
    for (const stack of remote) {
      const key = stackStateKey(config, stack);
      const dir = relative(process.cwd(), stackDir(projectDir, stack)) || '.';
      for (const lock of await findLocks(clients, config, key)) parts.push(`the state lock of ${stack} is still held: ${describeLock(lock, dir).replace(/\n\s*/, '; ')}`);
    }
  } catch (error) {
    return `; the state locks could not be checked (${(error as Error).message})`;
  }
  return parts.length === 0 ? '' : `; ${parts.join('; ')}`;
}

/** One line on why a cdktf/terraform run failed. */
export function explainFailure(what: string, result: RunResult, bucket: string): string {
  if (result.timedOut) return `${what}: timed out after ${Math.round(result.seconds)} s`;
  if (result.stalled) return `${what}: stopped after ${Math.round(result.seconds)} s: Terraform printed nothing for too long, so it was waiting on something that does not answer (an AWS endpoint${process.env[SETTINGS.endpoint.env] ? ` such as ${process.env[SETTINGS.endpoint.env]}` : ''})`;
  const missing = missingBucket(result.output, bucket);
  if (missing) return `${what}: state bucket "${missing}" does not exist: deploy the bootstrap stack first (cdktf deploy bootstrap, or npm run local against the emulator)`;
  const lock = lockHeld(result.output);
  if (lock) return `${what}: the state is locked by ${lock.who ?? 'another process'} (${lock.operation ?? 'unknown operation'}, lock ID ${lock.id ?? '?'}, since ${lock.created ?? '?'}); wait for it, or terraform force-unlock <ID> if that run is dead`;
  if (/Failed to query available provider packages|could not connect to registry|Failed to install provider/.test(result.output)) {
    return `${what}: the AWS provider could not be installed: no provider mirror found (searched ${mirrorCandidates().join(', ')}) and the registry is unreachable; set TFSTATE_PROVIDER_MIRROR to a folder holding registry.terraform.io/hashicorp/aws/5.100.0`;
  }
  return `${what}: failed (exit ${result.code}): ${firstError(result.output) ?? 'see the output above'}`;
}

/** A runner whose cdktf output goes to `logFile` (truncated first), leaving the terminal to progress lines. */
export function loggingRunner(dir: string, env: NodeJS.ProcessEnv, logFile: string): StackRunner {
  mkdirSync(dirname(logFile), { recursive: true });
  writeFileSync(logFile, '');
  return { dir, env, onOutput: (text) => appendFileSync(logFile, text) };
}

/** Prints a progress line the same way in every command. */
export function progress(line: string): void {
  console.log(`==> ${line}`);
}

/**
 * Entry point of a command: a UserError or ConfigError is printed as single lines and exits 1. SIGINT, SIGHUP and
 * SIGTERM stop the whole tree (see stopOnSignals); a reader that goes away (`| head`) only loses the rest of the output.
 */
export function runCommand(main: () => Promise<void>): void {
  let finished = false;
  stopOnSignals(() => finished);
  // A reader that goes away (`| head`) must not end the work half done, reported as success (a deploy
  // mid-apply, a move holding its locks): the rest of the output is dropped and the exit code stays the command's.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
      stream.write = (() => true) as typeof stream.write;
    });
  }
  main()
    .then(
      () => 0,
      (error: unknown) => {
        if (error instanceof UserError) console.error(`error: ${error.message}`);
        else if (error instanceof ConfigError) for (const problem of error.problems) console.error(`tfstate config error: ${problem}`);
        // An AWS SDK failure (denied, throttled, missing) is about the environment, not our code.
        // No credentials found (real AWS): the SDK's own explanation, in one line.
        else if (error instanceof Error && error.name === 'CredentialsProviderError') console.error(`error: AWS credentials: ${error.message.split('\n')[0]}`);
        else if (error instanceof Error && '$metadata' in error) console.error(`error: AWS request failed: ${error.name === 'Error' ? '' : `${error.name}: `}${error.message || '(no message)'}`);
        else console.error(error);
        return 1;
      },
    )
    .then((code) => {
      finished = true;
      // Stopping on a signal: the signal handler exits (with the signal's code) once the tree is gone too.
      if (code !== 0 && !stoppingOn()) process.exit(code);
    });
}

/** The synthesized Terraform working directory of a stack, for direct terraform commands. */
export function stackDir(projectDir: string, stack: string): string {
  return join(projectDir, 'cdktf.out', 'stacks', stack);
}
