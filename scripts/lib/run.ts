// Runs the real cdktf and terraform binaries with captured output, bounded in time, each in its own
// process group so a timeout or Ctrl-C takes the whole tree (cdktf -> node -> terraform -> provider) down.
import { spawn, spawnSync } from 'child_process';
import { join } from 'path';

export interface RunResult {
  /** Exit code; null when the process was killed (timeout or signal). */
  readonly code: number | null;
  /** stdout and stderr interleaved as they arrived, ANSI colours removed. */
  readonly output: string;
  readonly timedOut: boolean;
  readonly seconds: number;
}

export interface RunOptions {
  readonly cwd: string;
  /** Full environment of the child (nothing is inherited implicitly). */
  readonly env: NodeJS.ProcessEnv;
  /** Kill the process group after this long. @default 300_000 */
  readonly timeoutMs?: number;
  /** Called with each chunk of output, e.g. to echo progress. */
  readonly onOutput?: (text: string) => void;
  /** SIGKILLs the process group as soon as this returns true for the output so far (a simulated crash). */
  readonly killWhen?: (output: string) => boolean;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let timedOut = false;
    const collect = (chunk: Buffer) => {
      const text = stripAnsi(chunk.toString());
      output += text;
      options.onOutput?.(text);
      if (options.killWhen?.(output)) killGroup(child.pid, 'SIGKILL');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, options.timeoutMs ?? 300_000);
    const stopOnExit = () => killGroup(child.pid);
    process.once('exit', stopOnExit);
    child.on('error', (error) => {
      clearTimeout(timer);
      process.removeListener('exit', stopOnExit);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      process.removeListener('exit', stopOnExit);
      resolve({ code, output, timedOut, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** Kills a detached child's whole process group; a no-op when it is already gone. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already exited.
  }
}

/**
 * Turns Ctrl-C and SIGTERM into a normal exit, so the 'exit' handlers that stop child process groups (every
 * run() child, the emulator) fire: by default Node dies on these signals without running them.
 */
export function exitOnSignals(): void {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    if (process.listenerCount(signal) === 0) process.once(signal, () => process.exit(code));
  }
}

/** True when `command` is an executable on PATH. */
export function onPath(command: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return spawnSync('sh', ['-c', `command -v "${command}"`], { env, stdio: 'ignore' }).status === 0;
}

/** The project's own cdktf CLI (never a global one: the version is pinned in package.json). */
export function cdktfBin(projectRoot: string): string {
  return join(projectRoot, 'node_modules', '.bin', 'cdktf');
}

/**
 * Arguments of a non-interactive `cdktf deploy|destroy`: no prompt, and no provider lock, since the
 * lock file would need the registry's checksums for every platform, which an offline mirror lacks.
 */
export function cdktfArgs(verb: 'deploy' | 'destroy', stacks: readonly string[], extra: readonly string[] = []): string[] {
  return [verb, ...stacks, '--auto-approve', '--skip-provider-lock', ...extra];
}
