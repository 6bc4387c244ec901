// stopOnSignals on a real process tree: a command (node) whose run() child sits in a process group of its own.
import { ChildProcess, spawn } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

const RUN_MODULE = join(__dirname, '..', 'scripts', 'lib', 'run.ts');

/** A command that stops on signals and runs `sleep 60` in its own group, printing the sleep's pid. */
function startCommand(dir: string): ChildProcess {
  const script = join(dir, 'command.ts');
  writeFileSync(
    script,
    [
      `import { run, stopOnSignals } from ${JSON.stringify(RUN_MODULE)};`,
      'stopOnSignals(() => true, () => undefined);',
      "void run('sh', ['-c', 'echo $$; exec sleep 60'], { cwd: process.cwd(), env: process.env, onOutput: (text) => process.stdout.write(text) });",
    ].join('\n'),
  );
  return spawn(process.execPath, ['--import', 'tsx', script], { cwd: join(__dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('stopOnSignals', () => {
  let dir: string;
  let sleeper: number | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tfstate-signals-'));
  });
  afterEach(() => {
    if (sleeper !== undefined && alive(sleeper)) process.kill(sleeper, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  // A closed terminal or SSH session sends SIGHUP, which by default ends node at once: no 'exit' handler, so
  // cdktf and terraform (or the emulator) went on in their own groups, and the run was no longer watched.
  test.each([['SIGHUP', 129], ['SIGTERM', 143], ['SIGINT', 130]] as const)('%s stops the child group and exits %d', async (signal, code) => {
    const command = startCommand(dir);
    sleeper = await new Promise<number>((resolve, reject) => {
      command.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
      command.once('exit', () => reject(new Error('command exited before its child started')));
    });
    expect(alive(sleeper)).toBe(true);
    const exited = new Promise<number | null>((resolve) => command.once('exit', (exitCode) => resolve(exitCode)));
    command.kill(signal);
    expect(await exited).toBe(code);
    expect(alive(sleeper)).toBe(false);
  }, 20_000);
});
