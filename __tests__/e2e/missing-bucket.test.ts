import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stackDir } from '../../scripts/lib/project';
import { withScenario } from './harness';

describe('app before bootstrap', () => {
  test('npm run deploy -- app says, in one line, to deploy bootstrap first', async () => {
    await withScenario('missing bucket', {}, async ({ config, command, dir }) => {
      const result = await command('deploy', ['app']);
      expect(result.code).toBe(1);
      const errors = result.output.split('\n').filter((line) => line.startsWith('error: '));
      expect(errors).toEqual([
        `error: cdktf deploy app: state bucket "${config.bucket}" does not exist: deploy the bootstrap stack first (cdktf deploy bootstrap, or npm run local against the emulator)`,
      ]);
      // A folder initialized against another emulator (another port): Terraform said "Backend configuration changed".
      const terraformDir = join(stackDir(dir, 'app'), '.terraform');
      mkdirSync(terraformDir, { recursive: true });
      const elsewhere = {
        bucket: config.bucket,
        key: config.stateKey,
        region: config.region,
        endpoints: { s3: 'http://127.0.0.1:1', dynamodb: 'http://127.0.0.1:1' },
      };
      writeFileSync(
        join(terraformDir, 'terraform.tfstate'),
        JSON.stringify({
          version: 3,
          terraform_version: '1.11.4',
          backend: { type: 's3', config: elsewhere, hash: 1 },
        }),
      );
      const again = await command('deploy', ['app']);
      expect(again.code).toBe(1);
      expect(again.output.split('\n').filter((line) => line.startsWith('error: '))).toEqual(errors);
    });
  });
});
