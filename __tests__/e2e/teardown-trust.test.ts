import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { bucketExists } from '../../ops/bucket';
import { listObjectVersions } from '../../ops/state';
import { expectSuccess, npmRun, waitFor, withScenario } from './harness';

describe('npm run teardown deletes only what it listed', () => {
  test('a consumer writing a state while bootstrap is redeployed stops the teardown before the bucket is touched, naming the key; the protections are put back', async () => {
    await withScenario('teardown-consumer-write', {}, async ({ config, aws, cdktf, dir, env }) => {
      expectSuccess(await cdktf('deploy', ['bootstrap']), 'deploy bootstrap');
      expectSuccess(await cdktf('deploy', ['app']), 'deploy app');
      const before = await listObjectVersions(aws.s3, config.bucket);
      expect(before.map((version) => version.key)).toEqual(['app/terraform.tfstate']);

      const teardown = npmRun(dir, 'teardown', [], { ...env, TFSTATE_CONFIRM_TEARDOWN: config.bucket });
      await waitFor('the redeploy that lifts the protections', () => teardown.output().includes('==> cdktf deploy bootstrap with TFSTATE_ALLOW_DESTROY=true'), 300_000);
      await aws.s3.send(new PutObjectCommand({ Bucket: config.bucket, Key: 'network/terraform.tfstate', Body: '{}', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: config.kmsAlias }));
      expect(await teardown.done).toBe(1);

      expect(teardown.output()).toContain(
        `error: 1 key(s) written to s3://${config.bucket} since the listing (network/terraform.tfstate): teardown stopped, nothing was deleted from the bucket; protections are back (bootstrap redeployed without TFSTATE_ALLOW_DESTROY); find who writes there, then run the teardown again`,
      );
      expect(teardown.output()).not.toContain('emptying');
      const after = await listObjectVersions(aws.s3, config.bucket);
      for (const version of before) expect(after.map((v) => `${v.key} ${v.versionId}`)).toContain(`${version.key} ${version.versionId}`);
      expect(after.filter((version) => version.key === 'network/terraform.tfstate')).toHaveLength(1);
      const table = await aws.dynamodb.send(new DescribeTableCommand({ TableName: config.lockTable }));
      expect(table.Table?.DeletionProtectionEnabled).toBe(true);
    });
  });

  test('3,000 versions are deleted in batches, with progress lines, and the bucket is gone', async () => {
    await withScenario('teardown-3000-versions', {}, async ({ config, aws, cdktf, command }) => {
      expectSuccess(await cdktf('deploy', ['bootstrap']), 'deploy bootstrap');
      // 30 keys written side by side, each key's versions one after another (moto loses versions written to one key
      // at once); the bucket's default encryption applies.
      const written = Date.now();
      const keys = Array.from({ length: 30 }, (_, i) => `bulk/k${String(i).padStart(2, '0')}/terraform.tfstate`);
      await Promise.all(
        keys.map(async (Key) => {
          for (let i = 0; i < 100; i++) await aws.s3.send(new PutObjectCommand({ Bucket: config.bucket, Key, Body: String(i) }));
        }),
      );
      expect(await listObjectVersions(aws.s3, config.bucket)).toHaveLength(3000);
      process.stdout.write(`3000 versions written in ${((Date.now() - written) / 1000).toFixed(1)} s\n`);

      const started = Date.now();
      const teardown = expectSuccess(await command('teardown', ['--include-foreign-states'], { TFSTATE_CONFIRM_TEARDOWN: config.bucket }), 'teardown');
      process.stdout.write(`teardown of 3000 versions: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      expect(teardown.output).toContain(`==> s3://${config.bucket}: 30 key(s), 3000 version(s) and delete marker(s) to delete`);
      // The app destroy writes the app's (empty) state once: one version more.
      expect(teardown.output).toContain(`==> s3://${config.bucket}: 3001 version(s) and delete marker(s) to delete, the app destroy's own writes included`);
      const emptying = teardown.output.split('\n').filter((line) => line.startsWith(`==> emptying s3://${config.bucket}: `));
      expect(emptying[0]).toBe(`==> emptying s3://${config.bucket}: 250 of 3001 deleted, 2751 left`);
      expect(emptying.at(-1)).toBe(`==> emptying s3://${config.bucket}: 3001 of 3001 deleted, 0 left`);
      expect(teardown.output).toContain(`==> emptied s3://${config.bucket}: 3001 object versions and delete markers deleted, each one listed above`);
      expect(await bucketExists(aws.s3, config.bucket)).toBe(false);
    });
  });
});
