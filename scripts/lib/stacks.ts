// Deploying and destroying the project's stacks through the real cdktf CLI, with the environment every
// command needs (CLI config, no checkpoint calls, plain output) and failures turned into one-line errors.
import { appendFileSync, mkdirSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { SETTINGS } from '../../config/settings';
import { ConfigError } from '../../config/types';
import { UserError, firstError, lockHeld, missingBucket } from './diagnose';
import { RunResult, cdktfArgs, cdktfBin, exitOnSignals, onPath, run } from './run';
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
    onOutput: runner.onOutput,
  });
}

/**
 * Like cdktf(), but a failure becomes a UserError with one line that says what to do: a missing state
 * bucket (deploy bootstrap first), a held lock (who holds it), no provider available (the mirror), else
 * Terraform's first error.
 */
export async function cdktfOrExplain(runner: StackRunner, verb: 'deploy' | 'destroy', stacks: readonly string[], bucket: string, extra: readonly string[] = [], settings: Record<string, string> = {}): Promise<RunResult> {
  const result = await cdktf(runner, verb, stacks, extra, settings);
  if (result.code === 0) return result;
  throw new UserError(explainFailure(`cdktf ${verb} ${stacks.join(' ')}`, result, bucket));
}

/** One line on why a cdktf/terraform run failed. */
export function explainFailure(what: string, result: RunResult, bucket: string): string {
  if (result.timedOut) return `${what}: timed out after ${Math.round(result.seconds)} s`;
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

/** Entry point of a command: a UserError or ConfigError is printed as single lines and exits 1. */
export function runCommand(main: () => Promise<void>): void {
  exitOnSignals();
  main().catch((error: unknown) => {
    if (error instanceof UserError) console.error(`error: ${error.message}`);
    else if (error instanceof ConfigError) for (const problem of error.problems) console.error(`tfstate config error: ${problem}`);
    // An AWS SDK failure (unreachable endpoint, denied, throttled) is about the environment, not our code.
    else if (error instanceof Error && '$metadata' in error) console.error(`error: AWS request failed: ${error.name === 'Error' ? '' : `${error.name}: `}${error.message || '(no message)'}`);
    else console.error(error);
    process.exit(1);
  });
}

/** The synthesized Terraform working directory of a stack, for direct terraform commands. */
export function stackDir(projectDir: string, stack: string): string {
  return join(projectDir, 'cdktf.out', 'stacks', stack);
}
