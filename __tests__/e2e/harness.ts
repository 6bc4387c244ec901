// One end-to-end scenario = a fresh moto server on a free port + a throwaway workspace, both removed even when
// the scenario fails. Everything runs through the real cdktf CLI and terraform binaries.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../config/load';
import type { BackendConfig } from '../../config/types';
import { type AwsClients, awsClients, emulatorEnv } from '../../scripts/lib/aws';
import { cdktf, type StackRunner } from '../../scripts/lib/cdktf';
import { reportsNoChanges } from '../../scripts/lib/diagnose';
import { type Emulator, startEmulator } from '../../scripts/lib/emulator';
import { LOCAL_DIR, PROJECT_ROOT, stackDir } from '../../scripts/lib/project';
import { exitOnSignals, type RunResult, run } from '../../scripts/lib/run';
import { stackEnv, withoutSettings } from '../../scripts/lib/terraform-config';
import { createWorkspace, type Workspace } from '../../scripts/lib/workspace';

/** Bound of each cdktf/terraform run inside a scenario: fail, don't hang. */
const RUN_TIMEOUT_MS = 180_000;
const TIMINGS = join(LOCAL_DIR, 'e2e-timings.txt');
// Each jest worker has its own CLI config and plugin cache: Terraform's plugin cache is not safe for
// concurrent installs.
const WORKER_LOCAL_DIR = join(LOCAL_DIR, `e2e-worker-${process.env.JEST_WORKER_ID ?? '1'}`);
// A killed suite (CI timeout) still stops its emulator and terraform process groups.
exitOnSignals();

export interface Scenario {
  readonly endpoint: string;
  readonly dir: string;
  readonly config: BackendConfig;
  readonly aws: AwsClients;
  /** Environment of every run: emulator endpoint and credentials, the project's Terraform CLI config, the settings. */
  readonly env: NodeJS.ProcessEnv;
  /** cdktf deploy|destroy with the scenario's settings plus `settings`. */
  cdktf(
    verb: 'deploy' | 'destroy',
    stacks: readonly string[],
    extra?: readonly string[],
    settings?: Record<string, string>,
  ): Promise<RunResult>;
  /** terraform <args> in a synthesized stack's folder (after a cdktf run has synthesized and initialized it). */
  terraform(stack: string, args: readonly string[]): Promise<RunResult>;
  /** cdktf deploy|destroy in another project folder (a second workspace), with the scenario's environment. */
  cdktfIn(
    dir: string,
    verb: 'deploy' | 'destroy',
    stacks: readonly string[],
    extra?: readonly string[],
    settings?: Record<string, string>,
  ): Promise<RunResult>;
  /** One of the project's npm commands (scripts/<name>.ts) run in the workspace. */
  command(name: string, args?: readonly string[], settings?: Record<string, string>): Promise<RunResult>;
}

/** Runs `body` against a fresh emulator and workspace with the given settings, then removes both. */
export async function withScenario(
  name: string,
  settings: Record<string, string>,
  body: (scenario: Scenario) => Promise<void>,
): Promise<void> {
  const started = Date.now();
  let emulator: Emulator | undefined;
  let workspace: Workspace | undefined;
  try {
    emulator = await startEmulator(PROJECT_ROOT);
    workspace = createWorkspace(PROJECT_ROOT, 'tfstate-e2e-');
    const config = loadConfig({ cwd: workspace.dir, env: { ...settings, AWS_ENDPOINT_URL: emulator.endpoint } });
    const env = stackEnv(WORKER_LOCAL_DIR, withoutSettings(process.env), {
      ...emulatorEnv(emulator.endpoint, config.region),
      ...settings,
    });
    const runner: StackRunner = { dir: workspace.dir, env, timeoutMs: RUN_TIMEOUT_MS };
    const dir = workspace.dir;
    await body({
      endpoint: emulator.endpoint,
      dir,
      config,
      aws: awsClients(config.region, emulator.endpoint),
      env,
      cdktf: (verb, stacks, extra = [], more = {}) => cdktf(runner, verb, stacks, extra, more),
      cdktfIn: (other, verb, stacks, extra = [], more = {}) =>
        cdktf({ ...runner, dir: other }, verb, stacks, extra, more),
      terraform: (stack, args) => run('terraform', args, { cwd: stackDir(dir, stack), env, timeoutMs: RUN_TIMEOUT_MS }),
      command: (script, args = [], more = {}) =>
        run(
          join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'),
          [join(PROJECT_ROOT, 'scripts', `${script}.ts`), ...args],
          { cwd: dir, env: { ...env, ...more }, timeoutMs: RUN_TIMEOUT_MS * 3 },
        ),
    });
  } catch (error) {
    // Stopped first: what it was still writing (a traceback) is read by the time it is gone.
    await emulator?.stop();
    throw withEmulatorTroubles(name, error, emulator?.troubles() ?? []);
  } finally {
    await emulator?.stop();
    workspace?.remove();
    const line = `${new Date().toISOString()}  ${name}: ${((Date.now() - started) / 1000).toFixed(1)} s\n`;
    mkdirSync(LOCAL_DIR, { recursive: true });
    appendFileSync(TIMINGS, line);
    process.stdout.write(`e2e timing: ${line}`);
  }
}

/** Fails with the run's output (the part a reader needs) unless it exited 0. */
export function expectSuccess(result: RunResult, what: string): RunResult {
  if (result.code === 0) return result;
  // The error lines first: a CI log shows only part of a long failure, and the tail of cdktf's output is mostly progress.
  const errors = [
    ...new Set(
      result.output
        .split('\n')
        .filter((line) => /\berror\b/i.test(line))
        .map((line) => line.trim()),
    ),
  ].slice(0, 8);
  throw new Error(
    `${what} failed (exit ${result.code}${result.timedOut ? ', timed out' : ''}):\n${errors.join('\n')}\n--- the output's end:\n${result.output.slice(-3000)}`,
  );
}

const FAILURES = join(LOCAL_DIR, 'e2e-failures.txt');

/**
 * The scenario's error with what the emulator logged going wrong (5xx answers, tracebacks), also appended to
 * .local/e2e-failures.txt, which `.ci/run` prints last when the suite fails.
 */
function withEmulatorTroubles(scenario: string, error: unknown, troubles: readonly string[]): unknown {
  const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const emulator =
    troubles.length > 0
      ? `the emulator logged:\n${troubles.join('\n')}`
      : 'the emulator logged no 5xx answer and no traceback';
  mkdirSync(LOCAL_DIR, { recursive: true });
  appendFileSync(
    FAILURES,
    `== ${new Date().toISOString()} e2e scenario "${scenario}" failed: ${what.slice(0, 1500)}\n${emulator}\n\n`,
  );
  if (error instanceof Error) error.message += `\n${emulator}`;
  return error;
}

/** How many stacks a cdktf run reported as unchanged. */
export function unchangedStacks(result: RunResult): number {
  return result.output.split('\n').filter((line) => reportsNoChanges(line)).length;
}

/** A command started the way a user starts it, `npm run <script> -- <args>`, so signals go to npm itself. */
export interface NpmRun {
  readonly npm: ChildProcess;
  /** Output so far (stdout and stderr). */
  output(): string;
  /** Exit code (null when killed by a signal) once npm has exited. */
  readonly done: Promise<number | null>;
}

export function npmRun(dir: string, script: string, args: readonly string[], env: NodeJS.ProcessEnv): NpmRun {
  const npm = spawn('npm', ['run', '-s', script, '--', ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  npm.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  npm.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const done = new Promise<number | null>((resolve) => npm.on('close', (code) => resolve(code)));
  return { npm, output: () => output, done };
}

/** Every process below `pid` (children, grandchildren, ...) as pid -> command line. */
export function descendants(pid: number): Map<number, string> {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ pid: Number(match[1]), ppid: Number(match[2]), args: match[3] }));
  const found = new Map<number, string>();
  let frontier = [pid];
  while (frontier.length > 0) {
    const children = rows.filter((row) => frontier.includes(row.ppid) && !found.has(row.pid));
    for (const child of children) found.set(child.pid, child.args);
    frontier = children.map((child) => child.pid);
  }
  return found;
}

/** The processes of `pids` still running (a zombie, exited and not yet reaped, does not count), as "pid args". */
export function alive(pids: Map<number, string>): string[] {
  return [...pids]
    .filter(([pid]) => {
      try {
        return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    })
    .map(([pid, args]) => `${pid} ${args}`);
}

/**
 * Resolves once `condition` holds (polled every 100 ms). Rejects after `timeoutMs`, or as soon as `run` (the
 * process whose output is awaited) exits first, saying what it waited for and how the run's output ended.
 */
export async function waitFor(
  what: string,
  condition: () => boolean,
  timeoutMs = 120_000,
  run?: NpmRun,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exit: string | undefined;
  run?.done.then((code) => {
    exit = `npm exited (${code}) before`;
  });
  while (!condition()) {
    const failure = exit ?? (Date.now() > deadline ? 'timed out waiting for' : undefined);
    if (failure !== undefined) {
      const tail = run ? `; its output ended:\n${run.output().split('\n').slice(-40).join('\n')}` : '';
      throw new Error(`${failure} ${what}${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
