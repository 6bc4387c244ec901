// A command as a real process: signals reaching it (stopOnSignals) and a reader of its output going away (runCommand).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LIB = join(__dirname, '..', 'scripts', 'lib');

/** Runs a TypeScript script written into `dir`, as the npm scripts run the commands (stdout piped). */
function startScript(dir: string, lines: readonly string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const script = join(dir, 'command.ts');
  writeFileSync(script, lines.join('\n'));
  return spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: join(__dirname, '..'),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** A command that stops on signals and runs `sleep 60` in its own group, printing the sleep's pid. */
function startCommand(dir: string): ChildProcess {
  return startScript(dir, [
    `import { run, stopOnSignals } from ${JSON.stringify(join(LIB, 'run.ts'))};`,
    'stopOnSignals(() => true, () => undefined);',
    "void run('sh', ['-c', 'echo $$; exec sleep 60'], { cwd: process.cwd(), env: process.env, onOutput: (text) => process.stdout.write(text) });",
  ]);
}

function exitCode(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('a command as a process', () => {
  let dir: string;
  let sleeper: number | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tfstate-command-'));
  });
  afterEach(() => {
    if (sleeper !== undefined && alive(sleeper)) process.kill(sleeper, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  // A closed terminal or SSH session sends SIGHUP, which by default ends node at once: no 'exit' handler, so
  // cdktf and terraform (or the emulator) went on in their own groups, and the run was no longer watched.
  test.each([
    ['SIGHUP', 129],
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)(
    '%s stops the child group and exits %d',
    async (signal, code) => {
      const command = startCommand(dir);
      sleeper = await new Promise<number>((resolve, reject) => {
        command.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
        command.once('exit', () => reject(new Error('command exited before its child started')));
      });
      expect(alive(sleeper)).toBe(true);
      const exited = exitCode(command);
      command.kill(signal);
      expect(await exited).toBe(code);
      expect(alive(sleeper)).toBe(false);
    },
    20_000,
  );

  // A reader that goes away (`npm run state -- move a b | head -1`, a CI log pipe closing) made the command
  // exit 0 at its next line: work abandoned half done (locks held, terraform hung up on) and reported as success.
  test('a closed output pipe loses the output, not the work or its exit code', async () => {
    const marker = join(dir, 'finished');
    const command = startScript(dir, [
      `import { writeFileSync } from 'fs';`,
      `import { runCommand } from ${JSON.stringify(join(LIB, 'shell.ts'))};`,
      `import { UserError } from ${JSON.stringify(join(__dirname, '..', 'errors.ts'))};`,
      'const pause = () => new Promise((resolve) => setTimeout(resolve, 200));',
      'runCommand(async () => {',
      '  for (let line = 0; line < 5; line += 1) { console.log(`line ${line}`); console.error(`note ${line}`); await pause(); }',
      `  writeFileSync(${JSON.stringify(marker)}, 'done');`,
      "  throw new UserError('failed after its work');",
      '});',
    ]);
    const exited = exitCode(command);
    await new Promise((resolve) => command.stdout!.once('data', resolve));
    command.stdout!.destroy();
    command.stderr!.destroy();
    expect(await exited).toBe(1);
    expect(existsSync(marker)).toBe(true);
  }, 20_000);

  // Local state files and logs hold resource attributes and outputs: they were created 0644, readable by anyone.
  test('files a command and its children create are 0600; a log written before keeps no wider mode', () => {
    const log = join(dir, 'run.log');
    writeFileSync(log, 'an older run', { mode: 0o644 });
    const script = join(dir, 'command.ts');
    writeFileSync(
      script,
      [
        `import { execFileSync } from 'child_process';`,
        `import { writeFileSync } from 'fs';`,
        `import { runCommand } from ${JSON.stringify(join(LIB, 'shell.ts'))};`,
        `import { loggingRunner } from ${JSON.stringify(join(LIB, 'cdktf.ts'))};`,
        'runCommand(() => {',
        `  writeFileSync(${JSON.stringify(join(dir, 'own'))}, 'state');`,
        `  execFileSync('sh', ['-c', 'echo state > child'], { cwd: ${JSON.stringify(dir)} });`,
        `  loggingRunner(${JSON.stringify(dir)}, process.env, ${JSON.stringify(log)});`,
        '});',
      ].join('\n'),
    );
    const result = spawnSync(process.execPath, ['--import', 'tsx', script], {
      cwd: join(__dirname, '..'),
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(['own', 'child', 'run.log'].map((name) => statSync(join(dir, name)).mode & 0o777)).toEqual([
      0o600, 0o600, 0o600,
    ]);
  }, 20_000);

  // `npm run backend-config > file` on a full disk: the failed write was thrown on (a stack trace, and a deploy
  // ended mid-apply); a command whose output was lost reported success when the failure came after its last line.
  test('output the system cannot take (a full disk) loses the output, not the work: one line, exit 1', () => {
    const marker = join(dir, 'finished');
    const script = join(dir, 'command.ts');
    writeFileSync(
      script,
      [
        `import { writeFileSync } from 'fs';`,
        `import { runCommand } from ${JSON.stringify(join(LIB, 'shell.ts'))};`,
        'runCommand(async () => {',
        "  console.log('the settings');",
        `  writeFileSync(${JSON.stringify(marker)}, 'done');`,
        '});',
      ].join('\n'),
    );
    const full = openSync('/dev/full', 'w');
    const result = spawnSync(process.execPath, ['--import', 'tsx', script], {
      cwd: join(__dirname, '..'),
      stdio: ['ignore', full, 'pipe'],
      encoding: 'utf8',
    });
    closeSync(full);
    expect(result.stderr.split('\n')).toEqual([
      'error: writing to stdout failed (ENOSPC: no space left on device, write): the output is incomplete',
      '',
    ]);
    expect(result.status).toBe(1);
    expect(existsSync(marker)).toBe(true);
  }, 20_000);

  // An unhandled rejection ends node only in its default mode: with NODE_OPTIONS=--unhandled-rejections=warn (a
  // setting some CI images and tools carry) or none, a bug thrown on as a rejection exited 0.
  test.each([['the default'], ['warn'], ['none']])(
    'a bug of ours (not a UserError) is thrown on: its stack trace, exit 1, after the work it did (unhandled rejections: %s)',
    async (mode) => {
      const env =
        mode === 'the default' ? process.env : { ...process.env, NODE_OPTIONS: `--unhandled-rejections=${mode}` };
      const command = startScript(
        dir,
        [
          `import { runCommand } from ${JSON.stringify(join(LIB, 'shell.ts'))};`,
          "runCommand(async () => { console.log('working'); JSON.parse('{'); });",
        ],
        env,
      );
      let stderr = '';
      command.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      expect(await exitCode(command)).toBe(1);
      expect(stderr).toMatch(/^SyntaxError: .*JSON/m);
      expect(stderr).toMatch(new RegExp(`^\\s+at .*${join(dir, 'command.ts')}:2:\\d+`, 'm'));
      expect(stderr).not.toMatch(/^error: /m);
    },
    20_000,
  );

  test('backend-config --out a path the file system refuses for another reason is one line', () => {
    const out = join(dir, 'x'.repeat(300));
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', join('scripts', 'backend-config.ts'), '--format', 'policy', '--out', out],
      {
        cwd: join(__dirname, '..'),
        env: { PATH: process.env.PATH ?? '' },
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^backend-config: --out "\/.*x": cannot be written \(ENAMETOOLONG: name too long, open '\/.*x\); nothing was written$/,
    );
  }, 20_000);

  test.each([
    [['lock', 'app-dev'], 'error: lock takes no argument, got also "app-dev" (a stack is --stack <name>)'],
    [['restore', 'v1', 'v2', '--yes'], 'error: restore takes 1 argument, got also "v2" (a stack is --stack <name>)'],
    // The two-line synopsis was part of the message: its second line reached the terminal inside the error.
    [['--stack', 'nope', 'lock'], 'error: stack "nope": not a stack of this project (one of bootstrap, app, app-dev)'],
  ])(
    'state %j: a usage error (exit 2) in one line, then the synopsis, before any AWS call',
    (args, line) => {
      const result = spawnSync(process.execPath, ['--import', 'tsx', join('scripts', 'state.ts'), ...args], {
        cwd: join(__dirname, '..'),
        // Nothing listens on port 9: an AWS call would fail differently.
        env: { PATH: process.env.PATH ?? '', AWS_ENDPOINT_URL: 'http://127.0.0.1:9', TFSTATE_ENVIRONMENTS: 'dev' },
        encoding: 'utf8',
      });
      expect(result.status).toBe(2);
      expect(result.stderr.split('\n')).toEqual([
        line,
        'usage: npm run state -- lock | versions | restore <version id> --yes [--force-lineage]   [--stack app|app-<env>|bootstrap]',
        '       npm run state -- list | move <from key> <to key> [--to-bucket <name>] | delete <key> --yes [--purge]',
        '',
      ]);
    },
    20_000,
  );

  // A usage error exits 2 in every command, a mistake the user can fix otherwise 1 (scripts/lib/shell.ts).
  test.each([
    [
      ['backend-config.ts', '--nope'],
      2,
      [
        expect.stringMatching(/^backend-config: Unknown option '--nope'/),
        expect.stringMatching(/^usage: npm run backend-config -- /),
      ],
    ],
    [
      ['deploy.ts', '--parallelism', '1'],
      2,
      [expect.stringMatching(/^error: name the stacks to deploy before any flag; usage: npm run deploy -- <stack>/)],
    ],
    [['scan.ts', 'nope'], 2, [expect.stringMatching(/^scan: unknown variant "nope" \(known: default, /)]],
    [
      ['backend-config.ts', '--format', 'policy', '--level', 'admin'],
      2,
      [
        'backend-config: --level "admin": must be one of read-write, read-only, kops',
        expect.stringMatching(/^usage: /),
      ],
    ],
    [['state.ts', 'lock'], 1, ['tfstate config error: TFSTATE_LOCKING="sometimes": must be one of dynamodb, s3, both']],
    // `name in` took names every object inherits for variants: the default config was scanned as "constructor".
    [['scan.ts', 'constructor'], 2, [expect.stringMatching(/^scan: unknown variant "constructor" \(known: default, /)]],
    [['scan.ts', '__proto__'], 2, [expect.stringMatching(/^scan: unknown variant "__proto__" \(known: default, /)]],
    // Arguments nobody read: a mistyped confirmation was a refusal (exit 1), `local --help` a whole run.
    [
      ['teardown.ts', '--yes-destroy-stat'],
      2,
      [
        "error: Unknown option '--yes-destroy-stat'",
        expect.stringMatching(/^usage: npm run teardown -- \[--yes-destroy-state\] \[--include-foreign-states\]/),
      ],
    ],
    [
      ['teardown.ts', '--yes-destroy-state', 'app'],
      2,
      [
        "error: Unexpected argument 'app'. This command does not take positional arguments",
        expect.stringMatching(/^usage: npm run teardown /),
      ],
    ],
    [
      ['local.ts', '--help'],
      2,
      ["error: Unknown option '--help'", expect.stringMatching(/^usage: npm run local \(no arguments/)],
    ],
  ])(
    '%j exits %d with these lines',
    (args, code, lines) => {
      const result = spawnSync(
        process.execPath,
        ['--import', 'tsx', join('scripts', ...args.slice(0, 1)), ...args.slice(1)],
        {
          cwd: join(__dirname, '..'),
          // A mirror and a checkov that do not exist: a command that ignored its arguments stops there (exit 1), not after a run.
          env: {
            PATH: process.env.PATH ?? '',
            AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
            TFSTATE_PROVIDER_MIRROR: '/nonexistent',
            CHECKOV_BIN: '/nonexistent',
            ...(args[0] === 'state.ts' ? { TFSTATE_LOCKING: 'sometimes' } : {}),
          },
          encoding: 'utf8',
        },
      );
      expect(result.stderr.trim().split('\n')).toEqual(lines);
      expect(result.status).toBe(code);
    },
    20_000,
  );

  // cdktf runs terraform in a session of its own; the first signal must reach terraform itself, found by its
  // parent chain. Without `ps` (slim container images) it went to the run's group instead, and terraform ran on.
  test('the first signal reaches a terraform in a session of its own, also with no ps on PATH', async () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    for (const tool of ['sh', 'setsid', 'sleep'])
      symlinkSync(spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim(), join(bin, tool));
    // A binary named terraform that waits and ends on SIGINT, in a session of its own as under cdktf's pseudo-terminal.
    copyFileSync(join(bin, 'sleep'), join(bin, 'terraform'));
    const withoutPs = startScript(
      dir,
      [
        `import { run, stopOnSignals } from ${JSON.stringify(join(LIB, 'run.ts'))};`,
        'stopOnSignals(() => true, () => undefined);',
        // setsid forks (sh is its group's leader): terraform is setsid's child, in a session of its own.
        "void run('sh', ['-c', 'echo $$; exec setsid -w terraform 60'], { cwd: process.cwd(), env: process.env, onOutput: (text) => process.stdout.write(text) });",
      ],
      { PATH: bin },
    );
    const setsid = await new Promise<number>((resolve) =>
      withoutPs.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    sleeper = Number(spawnSync('pgrep', ['-P', String(setsid), '-x', 'terraform'], { encoding: 'utf8' }).stdout.trim());
    expect(sleeper).toBeGreaterThan(0);
    expect(alive(sleeper)).toBe(true);
    const exited = exitCode(withoutPs);
    withoutPs.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(alive(sleeper)).toBe(false);
  }, 20_000);
});
