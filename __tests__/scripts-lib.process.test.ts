// The command library's parts that start processes (a silent child, a python3 on PATH), in `npm run test:process`.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors';
import { explainFailure } from '../scripts/lib/diagnose';
import { ensureVenv } from '../scripts/lib/emulator';
import { run } from '../scripts/lib/run';

describe('bounded waits', () => {
  test('a process that prints nothing for the silence bound is stopped and marked stalled', async () => {
    const result = await run('sh', ['-c', 'echo started; sleep 30'], { cwd: '.', env: process.env, silenceMs: 100 });
    expect(result).toMatchObject({ stalled: true, timedOut: false, output: 'started\n' });
    expect(result.seconds).toBeLessThan(5);
    expect(explainFailure('cdktf deploy app', result, 'b')).toMatch(
      /^cdktf deploy app: stopped after \d+ s: Terraform printed nothing for too long/,
    );
  });
});

describe("the emulator's venv", () => {
  /** ensureVenv with a python3 on PATH that says it is `version` and fails every other call (creating the venv). */
  async function withPython(version: string): Promise<unknown> {
    const dir = mkdtempSync(join(tmpdir(), 'tfstate-python-'));
    const path = process.env.PATH;
    try {
      // A start-up warning on stderr first, as a broken sitecustomize or PYTHONWARNINGS gives.
      writeFileSync(
        join(dir, 'python3'),
        `#!/bin/sh\nif [ "$1" = -c ]; then echo "Warning: 3.99 ahead" >&2; echo python ${version}; exit 0; fi\necho "venv: not here"; exit 1\n`,
      );
      chmodSync(join(dir, 'python3'), 0o755);
      process.env.PATH = `${dir}:${path}`;
      return await ensureVenv(dir).catch((error: unknown) => error);
    } finally {
      process.env.PATH = path;
      rmSync(dir, { recursive: true, force: true });
    }
  }

  test.each(['3.10.12', '3.9.18', '2.7.18'])(
    'python3 %s is refused in one line before pip fails on constraints.txt',
    async (version) => {
      expect(await withPython(version)).toEqual(
        new UserError(
          `python3 is ${version}: the pinned Python packages (constraints.txt) need Python 3.11 or newer as python3`,
        ),
      );
    },
  );
  test.each(['3.11.0', '3.13.1', '4.0.0'])('python3 %s goes on to create the venv', async (version) => {
    expect(await withPython(version)).toEqual(new UserError('python3 -m venv .venv failed: venv: not here'));
  });
});
