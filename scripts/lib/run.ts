// Runs the real cdktf and terraform binaries with captured output, bounded in time, each in its own
// process group so a timeout or Ctrl-C takes the whole tree (cdktf -> node -> terraform -> provider) down.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { UserError } from '../../errors';

export interface RunResult {
  /** Exit code; null when the process was killed (timeout or signal). */
  readonly code: number | null;
  /** stdout and stderr interleaved as they arrived, ANSI colours removed. */
  readonly output: string;
  readonly timedOut: boolean;
  /** Killed because it printed nothing for RunOptions.silenceMs (e.g. waiting on an endpoint that never answers). */
  readonly stalled?: boolean;
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
  /** Stop the process group when it prints nothing for this long; unbounded when omitted. */
  readonly silenceMs?: number;
}

/** After SIGTERM, a process group gets this long to exit before it is killed. */
const TERMINATE_GRACE_MS = 10_000;

/** Process groups of the run() children still running, for the signal handler. */
const runningGroups = new Set<number>();
/** Set once a first SIGINT/SIGTERM arrived: the command is stopping and starts nothing new. */
let stopping: NodeJS.Signals | undefined;

/** The signal the command is stopping on, or undefined while it runs normally. */
export function stoppingOn(): NodeJS.Signals | undefined {
  return stopping;
}

const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  if (stopping) return Promise.reject(new UserError(`stopped on ${stopping} before running ${command}`));
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid !== undefined) runningGroups.add(child.pid);
    let output = '';
    let timedOut = false;
    let stalled = false;
    let force: NodeJS.Timeout | undefined;
    const terminate = () => {
      killGroup(child.pid);
      force ??= setTimeout(() => killGroup(child.pid, 'SIGKILL'), TERMINATE_GRACE_MS);
    };
    let silence: NodeJS.Timeout | undefined;
    const watchSilence = () => {
      if (options.silenceMs === undefined) return;
      clearTimeout(silence);
      silence = setTimeout(() => {
        stalled = true;
        terminate();
      }, options.silenceMs);
    };
    watchSilence();
    const collect = (chunk: Buffer) => {
      const text = stripAnsi(chunk.toString());
      output += text;
      watchSilence();
      options.onOutput?.(text);
      if (options.killWhen?.(output)) killGroup(child.pid, 'SIGKILL');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      timedOut = true;
      terminate();
    }, options.timeoutMs ?? 300_000);
    const stopOnExit = () => killGroup(child.pid);
    process.once('exit', stopOnExit);
    const settle = () => {
      clearTimeout(timer);
      clearTimeout(silence);
      clearTimeout(force);
      process.removeListener('exit', stopOnExit);
      if (child.pid !== undefined) runningGroups.delete(child.pid);
    };
    child.on('error', (error) => {
      settle();
      reject(error);
    });
    child.on('close', (code) => {
      settle();
      resolve({ code, output, timedOut, stalled, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** Kills a detached child's whole process group; a no-op when it is already gone. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (pid !== undefined) signalProcess(-pid, signal);
}

/**
 * Turns Ctrl-C, SIGTERM and SIGHUP into a normal exit, so the 'exit' handlers that stop child process groups (every
 * run() child, the emulator) fire: by default Node dies on these signals without running them.
 */
export function exitOnSignals(): void {
  for (const [signal, code] of SIGNAL_EXIT_CODES) {
    if (process.listenerCount(signal) === 0) process.once(signal, () => process.exit(code));
  }
}

// SIGHUP too: a closed terminal or SSH session would otherwise end node at once, with no 'exit' handler run.
const SIGNAL_EXIT_CODES = [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const;

/** How long a first signal lets terraform finish its current step, write its state and release its lock. */
export const STOP_GRACE_MS = 60_000;

/**
 * A command's signal handling. The first SIGINT, SIGTERM or SIGHUP is passed on as SIGINT to every terraform process
 * below the running children, and only to them: terraform then finishes the step in progress, writes its state
 * and releases its lock, while cdktf stays alive to carry its output (cdktf runs terraform on a pseudo-terminal
 * in a session of its own; a cdktf that stops first hangs up on terraform, which then dies holding its lock).
 * A child without terraform below it gets the SIGINT itself. Nothing new starts; once everything is gone (or
 * after STOP_GRACE_MS, then killed) the command exits, which runs the 'exit' handlers (emulator, workspace).
 * A second signal kills everything at once. A parent that died without passing a signal on counts as SIGTERM.
 * `finished` tells when the command's own work has wound down too (a lock it holds released, a message
 * printed); the exit waits for it within the same grace period.
 */
export function stopOnSignals(
  finished: () => boolean = () => true,
  log: (line: string) => void = (line) => console.error(line),
): void {
  const terraforms = new Set<number>();
  const killAll = (groups: Iterable<number>) => {
    for (const pid of groups) killGroup(pid, 'SIGKILL');
    for (const pid of terraforms) signalProcess(pid, 'SIGKILL');
  };
  const begin = (signal: NodeJS.Signals, code: number) => {
    if (stopping) {
      log(`==> ${signal} again: killing every running process now; a state lock they hold stays held`);
      killAll(runningGroups);
      process.exit(code);
    }
    stopping = signal;
    const groups = [...runningGroups];
    log(
      `==> ${signal}: stopping${groups.length > 0 ? ' (terraform finishes its current step and releases its lock; send it again to kill at once)' : ''}`,
    );
    const interrupted = new Set<number>();
    const interrupt = () => {
      const below = processesBelow(groups);
      for (const group of groups) {
        const found = below
          .filter((process) => process.root === group && TERRAFORM.test(process.args))
          .map((process) => process.pid);
        for (const pid of found) terraforms.add(pid);
        const targets = found.length > 0 ? found : [-group];
        for (const target of targets.filter((pid) => !interrupted.has(pid))) {
          interrupted.add(target);
          signalProcess(target, 'SIGINT');
        }
      }
    };
    interrupt();
    const deadline = Date.now() + STOP_GRACE_MS;
    const poll = setInterval(() => {
      const running = groups.some(groupAlive) || [...terraforms].some((pid) => signalProcess(pid, 0)) || !finished();
      if (running && Date.now() < deadline) return interrupt();
      clearInterval(poll);
      killAll(groups);
      process.exit(code);
    }, 200);
  };
  for (const [signal, code] of SIGNAL_EXIT_CODES) process.on(signal, () => begin(signal, code));
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent && !stopping) begin('SIGTERM', 143);
  }, 1_000).unref();
}

/** A terraform CLI process (not its provider plugins, whose names start with terraform-provider-). */
const TERRAFORM = /^(\S*\/)?terraform(\s|$)/;

/** Every process below the given ones (by parent id, across sessions), with the root it descends from. */
function processesBelow(roots: readonly number[]): { pid: number; root: number; args: string }[] {
  const rows = processTable();
  const found: { pid: number; root: number; args: string }[] = [];
  for (const root of roots) {
    let frontier = [root];
    while (frontier.length > 0) {
      const children = rows.filter((row) => frontier.includes(row.ppid));
      found.push(...children.map((child) => ({ pid: child.pid, root, args: child.args })));
      frontier = children.map((child) => child.pid);
    }
  }
  return found;
}

/**
 * Every process with its parent and command line. On Linux from /proc: slim container images (node:20-slim)
 * have no `ps`, and without the table the first signal went to cdktf, which then hung up on terraform.
 */
function processTable(): { pid: number; ppid: number; args: string }[] {
  if (!existsSync('/proc/self/stat')) {
    const listing = spawnSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' }).stdout ?? '';
    return listing
      .split('\n')
      .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => ({ pid: Number(match[1]), ppid: Number(match[2]), args: match[3] }));
  }
  const rows: { pid: number; ppid: number; args: string }[] = [];
  for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so the fields after the last ")".
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8')
        .split('\0')
        .filter((arg) => arg !== '')
        .join(' ');
      rows.push({ pid: Number(name), ppid, args });
    } catch {
      // The process ended while the table was read.
    }
  }
  return rows;
}

/** Sends a signal to a process (or, with a negative id, a group); false when it is already gone. */
function signalProcess(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** True while any process of the group exists. */
function groupAlive(pid: number): boolean {
  return signalProcess(-pid, 0);
}

/** True when `command` is an executable on PATH. */
export function onPath(command: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return spawnSync('sh', ['-c', `command -v "${command}"`], { env, stdio: 'ignore' }).status === 0;
}
