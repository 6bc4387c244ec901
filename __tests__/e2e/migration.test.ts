import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { BOOTSTRAP_LOCAL_STATE } from '../../config/naming';
import { expectSuccess, withScenario } from './harness';

const UNCHANGED = /0 added, 0 changed, 0 destroyed|No changes\./;

function resourceAddresses(stateJson: string): string[] {
  const state = JSON.parse(stateJson) as { resources: { type: string; name: string }[] };
  return state.resources.map((r) => `${r.type}.${r.name}`).sort();
}

describe('phase 3: bootstrap state into the bucket and back (--migrate-state)', () => {
  test('moves without a resource change either way', async () => {
    await withScenario('migration', {}, async ({ dir, config, aws, cdktf, command }) => {
      expectSuccess(await cdktf('deploy', ['bootstrap']), 'deploy bootstrap');
      const localFile = join(dir, BOOTSTRAP_LOCAL_STATE);
      const resources = resourceAddresses(readFileSync(localFile, 'utf8'));
      expect(resources.length).toBeGreaterThan(5);

      const toBucket = expectSuccess(
        await cdktf('deploy', ['bootstrap'], ['--migrate-state'], { TFSTATE_BOOTSTRAP_BACKEND: 's3' }),
        'migrate into the bucket',
      );
      expect(toBucket.output).toMatch(UNCHANGED);
      const object = await aws.s3.send(new GetObjectCommand({ Bucket: config.bucket, Key: config.bootstrapStateKey }));
      expect(resourceAddresses(await object.Body!.transformToString())).toEqual(resources);

      // Another clone (or a CI machine) moves it back: it has no local state file of its own.
      rmSync(localFile);
      // The way back as the README and the teardown's refusal give it: through npm run deploy.
      const toLocal = expectSuccess(
        await command('deploy', ['bootstrap', '--migrate-state'], { TFSTATE_BOOTSTRAP_BACKEND: 'local' }),
        'migrate back to local',
      );
      expect(toLocal.output).toMatch(UNCHANGED);
      expect(existsSync(localFile)).toBe(true);
      expect(resourceAddresses(readFileSync(localFile, 'utf8'))).toEqual(resources);
    });
  });
});
