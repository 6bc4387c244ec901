// The local state of a bootstrap that is still running (a second deploy during an apply): the lock terraform takes is
// taken by a python3 process here, so this runs in `npm run test:process`.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors';
import { recoverLocalState } from '../scripts/lib/recover';

describe('recoverLocalState: the local state after a kill', () => {
  let dir: string;
  const file = () => join(dir, 'terraform.bootstrap.tfstate');
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tfstate-recover-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('a state file a running terraform holds locked (a second deploy during an apply) is left alone: one line naming the holder', async () => {
    writeFileSync(file(), '');
    // The lock terraform takes on its local state: fcntl, which Node cannot take itself.
    const holder = spawn('python3', [
      '-c',
      `import fcntl, time\nf = open(${JSON.stringify(file())}, 'r+')\nfcntl.lockf(f, fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep(60)`,
    ]);
    try {
      await new Promise((resolve) => holder.stdout.once('data', resolve));
      expect(() => recoverLocalState(dir)).toThrow(
        new UserError(
          `terraform.bootstrap.tfstate is locked by a running terraform (pid ${holder.pid}): wait for that run to end before deploying bootstrap again, the operating system releases the lock when it exits`,
        ),
      );
      expect(readFileSync(file(), 'utf8')).toBe('');
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
