// The local AWS emulator (moto server): a project-local venv with the pinned version, started on a free
// loopback port, stopped with its whole process group.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { cut, UserError } from '../../errors';
import { killGroup, onPath, run } from './run';

/** Pinned Python dependencies (moto[server]); later dev tools go into the same file and venv. */
export const REQUIREMENTS_FILE = 'requirements-dev.txt';
/** The version of every package below them, as CI tested it: moto's own dependencies are not pinned by moto. */
export const CONSTRAINTS_FILE = 'constraints.txt';
export const VENV_DIR = '.venv';
/** The oldest Python the packages of constraints.txt install on (numpy, joserfc, multidict and others need 3.11). */
export const MIN_PYTHON = [3, 11] as const;

export interface Emulator {
  /** http://127.0.0.1:<port>, for AWS_ENDPOINT_URL. */
  readonly endpoint: string;
  readonly port: number;
  /** What the server logged that was not a request answered below 500: 5xx answers, tracebacks (the last ones kept). */
  troubles(): readonly string[];
  /** Stops the server and its children; safe to call twice. */
  stop(): Promise<void>;
}

/** How many trouble lines an emulator keeps: the last four or so of moto's tracebacks (13 to 27 lines each, measured), bounded over a long run. */
const TROUBLES_KEPT = 100;
/** How much of one line is kept: an answer's log line holds its URL, which may be long. */
const TROUBLE_LINE_CHARS = 500;
// Werkzeug's banner, its access log line for an answer below 500 (`127.0.0.1 - - [date] "PUT /b/k HTTP/1.1" 200 -`)
// and its note of a request it refused below 500 (`127.0.0.1 - - [date] code 414, message Request-URI Too Long`),
// and Python's markers under a traceback's source lines, which only point at columns.
const NOT_TROUBLE =
  /^WARNING: This is a development server|^ \* Running on |^Press CTRL\+C|" [1-4]\d\d (\d+|-)$|\] code [1-4]\d\d, message |^\s*[\^~]+$/;
// A traceback frame of the web server moto runs in (Werkzeug, Flask, flask-cors). Every crash passes through some
// 15 of them, two lines each: kept, they pushed the frames that say what moto did, and the crash before, out of
// the bounded log.
const SERVER_FRAME = /^\s*File ".*[\\/]site-packages[\\/](werkzeug|flask|flask_cors)[\\/]/;

/** Whether a line of moto_server's stderr says something went wrong, given whether the line before is a server frame. */
function isTrouble(line: string, afterServerFrame: boolean): boolean {
  if (line === '' || NOT_TROUBLE.test(line) || SERVER_FRAME.test(line)) return false;
  // A frame's source line is the next one, indented further than the frame's "File" line.
  return !(afterServerFrame && line.startsWith('    '));
}

/**
 * Keeps the last lines of the server's stderr that say something went wrong on its side. A failed end-to-end
 * run on an emulator is otherwise undiagnosable: Terraform reports only "InternalError" after its retries.
 */
export function troubleLog(kept = TROUBLES_KEPT): { add(chunk: string): void; lines(): string[] } {
  const lines: string[] = [];
  // A chunk may end inside a line: its start waits for the next chunk.
  let partial = '';
  let afterServerFrame = false;
  const trouble = (line: string) => cut(line, TROUBLE_LINE_CHARS);
  return {
    add(chunk) {
      const text = partial + chunk;
      const end = text.lastIndexOf('\n') + 1;
      partial = text.slice(end);
      for (const line of text
        .slice(0, end)
        .split('\n')
        .slice(0, -1)
        .map((whole) => whole.trimEnd())) {
        if (isTrouble(line, afterServerFrame)) lines.push(trouble(line));
        afterServerFrame = SERVER_FRAME.test(line);
      }
      lines.splice(0, lines.length - kept);
    },
    lines: () =>
      [...lines, ...(isTrouble(partial.trimEnd(), afterServerFrame) ? [trouble(partial.trimEnd())] : [])].slice(-kept),
  };
}

function motoBin(projectRoot: string): string {
  return join(projectRoot, VENV_DIR, 'bin', 'moto_server');
}

/**
 * Creates `.venv` with the pinned requirements unless moto_server is already in it. Throws a UserError
 * (one line) when python3 is missing or older than 3.11, or pip fails.
 */
export async function ensureVenv(projectRoot: string, log: (line: string) => void = () => undefined): Promise<void> {
  if (existsSync(motoBin(projectRoot))) return;
  if (!onPath('python3'))
    throw new UserError('python3 not found on PATH: install Python 3 (with the venv module) to run the local emulator');
  const env = { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' };
  // An older Python fails only in pip's resolver, whose last line ("ResolutionImpossible: for help visit ...") names no cause.
  const python = await run('python3', ['-c', 'import platform; print("python", platform.python_version())'], {
    cwd: projectRoot,
    env,
    timeoutMs: 30_000,
  });
  // Found, not taken as the last line: a warning Python prints on stderr at start-up may come before or after it.
  const said = /^python ((\d+)\.(\d+)\S*)$/m.exec(python.output);
  const [major, minor] = [Number(said?.[2]), Number(said?.[3])];
  if (!(major > MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor >= MIN_PYTHON[1]))) {
    throw new UserError(
      `python3 is ${said?.[1] ?? lastLine(python.output)}: the pinned Python packages (${CONSTRAINTS_FILE}) need Python ${MIN_PYTHON.join('.')} or newer as python3`,
    );
  }
  log(`creating ${VENV_DIR} with ${REQUIREMENTS_FILE} (once)`);
  const venv = await run('python3', ['-m', 'venv', VENV_DIR], { cwd: projectRoot, env, timeoutMs: 120_000 });
  if (venv.code !== 0) throw new UserError(`python3 -m venv ${VENV_DIR} failed: ${lastLine(venv.output)}`);
  const pip = await run(
    join(VENV_DIR, 'bin', 'pip'),
    ['install', '--quiet', '-r', REQUIREMENTS_FILE, '-c', CONSTRAINTS_FILE],
    { cwd: projectRoot, env, timeoutMs: 600_000 },
  );
  if (pip.code !== 0) throw new UserError(`pip install -r ${REQUIREMENTS_FILE} failed: ${lastLine(pip.output)}`);
}

function lastLine(output: string): string {
  return output.trim().split('\n').pop() ?? '(no output)';
}

/** A port the OS just reported free on 127.0.0.1 (bind port 0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * Starts a fresh moto server (empty: every start is a new, empty AWS) and resolves once it answers.
 * Retries on another port if the chosen one was taken in between.
 */
export async function startEmulator(projectRoot: string, timeoutMs = 30_000): Promise<Emulator> {
  const bin = motoBin(projectRoot);
  if (!existsSync(bin))
    throw new UserError(
      `${bin} is missing: run \`npm run local\` once, or ${VENV_DIR}/bin/pip install -r ${REQUIREMENTS_FILE} -c ${CONSTRAINTS_FILE}`,
    );
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(bin, ['-H', '127.0.0.1', '-p', String(port)], {
      cwd: projectRoot,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const troubles = troubleLog();
    child.stderr?.on('data', (chunk: Buffer) => troubles.add(chunk.toString()));
    const endpoint = `http://127.0.0.1:${port}`;
    const stop = stopper(child);
    if (await answers(endpoint, child, timeoutMs)) return { endpoint, port, troubles: troubles.lines, stop };
    await stop();
    lastError = troubles.lines().pop() ?? '';
  }
  throw new UserError(`moto_server did not start: ${lastError || 'no answer on 127.0.0.1'}`);
}

async function answers(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`);
      if (response.ok) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/** Stops the server's process group; also when this process exits first (a crash must not leave moto behind). */
function stopper(child: ChildProcess): () => Promise<void> {
  const onExit = () => killGroup(child.pid, 'SIGKILL');
  process.once('exit', onExit);
  return () =>
    new Promise((resolve) => {
      process.removeListener('exit', onExit);
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const force = setTimeout(() => killGroup(child.pid, 'SIGKILL'), 5_000);
      // 'close', not 'exit': by then the server's last stderr lines (a traceback being written) have been read.
      child.once('close', () => {
        clearTimeout(force);
        resolve();
      });
      killGroup(child.pid);
    });
}
