// Deploying and destroying the project's stacks through the real cdktf CLI: bounded runs whose success is
// Terraform's own report, and failures turned into one-line errors.
import { appendFileSync, chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { stackStateKey } from '../../config/naming';
import type { BackendConfig } from '../../config/types';
import { UserError } from '../../errors';
import { describeLock, findLocks } from '../../ops/locks';
import { awsClients } from './aws';
import { completedStacks, explainFailure, firstError, lockHeld, missingBucket } from './diagnose';
import { stackDir } from './project';
import { type RunResult, run } from './run';

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

/** Runs `cdktf deploy|destroy` on the stacks, returning the raw result (no interpretation). */
export function cdktf(
  runner: StackRunner,
  verb: 'deploy' | 'destroy',
  stacks: readonly string[],
  extra: readonly string[] = [],
  settings: Record<string, string> = {},
): Promise<RunResult> {
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
export async function cdktfOrExplain(
  runner: StackRunner,
  verb: 'deploy' | 'destroy',
  stacks: readonly string[],
  config: BackendConfig,
  extra: readonly string[] = [],
  settings: Record<string, string> = {},
): Promise<RunResult> {
  const result = await cdktf(runner, verb, stacks, extra, settings);
  await ensureCompleted(runner, verb, stacks, config, result);
  return result;
}

/**
 * Throws a UserError unless Terraform itself reported every stack complete (cdktf exits 0 when terraform is
 * killed): the failure's one line, plus the locks an unfinished stack left behind and how to release them.
 */
export async function ensureCompleted(
  runner: StackRunner,
  verb: 'deploy' | 'destroy',
  stacks: readonly string[],
  config: BackendConfig,
  result: RunResult,
): Promise<void> {
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

/** Whether a run ended with Terraform's own failure (not a bound of ours: a timeout or a silence). */
export function terraformFailed(result: RunResult): boolean {
  return result.code !== 0 && !result.timedOut && !result.stalled;
}

/** What a read-only plan (no lock taken, nothing written) of each synthesized stack prints, one after the other. */
export async function replan(runner: StackRunner, stacks: readonly string[]): Promise<string> {
  let output = '';
  for (const stack of stacks)
    output += (
      await run('terraform', ['plan', '-input=false', '-no-color', '-lock=false'], {
        cwd: stackDir(runner.dir, stack),
        env: runner.env,
        timeoutMs: 180_000,
      })
    ).output;
  return output;
}

/**
 * The deploy's result, with the unfinished stacks' errors printed again by replan when the output holds no
 * Terraform error: cdktf can exit before Terraform's last lines reach the pipe (a refused destroy was lost so).
 */
export async function withLostErrors(
  runner: StackRunner,
  stacks: readonly string[],
  result: RunResult,
): Promise<RunResult> {
  if (!terraformFailed(result) || firstError(result.output) !== undefined) return result;
  const completed = completedStacks(result.output, stacks, 'deploy');
  return {
    ...result,
    output:
      result.output +
      (await replan(
        runner,
        stacks.filter((stack) => !completed.has(stack)),
      )),
  };
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
      for (const lock of await findLocks(clients, config, key))
        parts.push(`the state lock of ${stack} is still held: ${describeLock(lock, dir).replace(/\n\s*/, '; ')}`);
    }
  } catch (error) {
    return `; the state locks could not be checked (${(error as Error).message})`;
  }
  return parts.length === 0 ? '' : `; ${parts.join('; ')}`;
}

/** A runner whose cdktf output goes to `logFile` (truncated first), leaving the terminal to progress lines. */
export function loggingRunner(dir: string, env: NodeJS.ProcessEnv, logFile: string): StackRunner {
  mkdirSync(dirname(logFile), { recursive: true });
  writeFileSync(logFile, '');
  // A log written before the commands' umask (scripts/lib/shell.ts) kept its mode.
  chmodSync(logFile, 0o600);
  return { dir, env, onOutput: (text) => appendFileSync(logFile, text) };
}

/**
 * The project's own CLI (never a global one: the version is pinned in package.json): CDK Terrain's `cdktn` when
 * installed (cdktn-cli names its binary so, even installed as cdktf-cli), else `cdktf`.
 */
export function cdktfBin(projectRoot: string): string {
  const cdktn = join(projectRoot, 'node_modules', '.bin', 'cdktn');
  return existsSync(cdktn) ? cdktn : join(projectRoot, 'node_modules', '.bin', 'cdktf');
}

/**
 * Arguments of a non-interactive `cdktf deploy|destroy`: no prompt, and no provider lock, since the
 * lock file would need the registry's checksums for every platform, which an offline mirror lacks.
 */
export function cdktfArgs(
  verb: 'deploy' | 'destroy',
  stacks: readonly string[],
  extra: readonly string[] = [],
): string[] {
  return [verb, ...stacks, '--auto-approve', '--skip-provider-lock', ...extra];
}
