// One scenario for the whole teardown (each deploy and teardown is a minute of cdktf runs): its refusals, a consumer
// writing while the protections are lifted, a state it did not write, then 3,000 versions emptied with progress.
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand, ListAliasesCommand } from '@aws-sdk/client-kms';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { bucketExists, listObjectVersions } from '../../ops/bucket';
import { expectSuccess, npmRun, waitFor, withScenario } from './harness';

describe('npm run teardown', () => {
  test('refuses without confirmation; stops, protections back, when a consumer writes while they are lifted; refuses while a state it did not write remains; then deletes exactly what it listed, 3,000 versions in batches with progress, and leaves no bucket, table or alias of ours and the key pending deletion', async () => {
    await withScenario(
      'teardown',
      { TFSTATE_ENVIRONMENTS: 'dev' },
      async ({ config, aws, cdktf, command, dir, env }) => {
        expectSuccess(await cdktf('deploy', ['bootstrap']), 'deploy bootstrap');
        expectSuccess(await cdktf('deploy', ['app', 'app-dev']), 'deploy app stacks');
        const alias = (await aws.kms.send(new ListAliasesCommand({}))).Aliases?.find(
          (a) => a.AliasName === config.kmsAlias,
        );
        expect(alias?.TargetKeyId).toBeDefined();

        const refused = await command('teardown');
        expect(refused.code).toBe(1);
        expect(refused.output.trim()).toBe(
          `error: refusing to destroy state bucket "${config.bucket}" and every state in it without confirmation: pass --yes-destroy-state or set TFSTATE_CONFIRM_TEARDOWN=${config.bucket}`,
        );
        const wrongName = await command('teardown', [], { TFSTATE_CONFIRM_TEARDOWN: 'some-other-bucket' });
        expect(wrongName.code).toBe(1);
        expect(wrongName.output).toMatch(/does not name the configured state bucket/);
        expect(await bucketExists(aws.s3, config.bucket)).toBe(true);

        // A consumer writes its state (the way a plain Terraform project writes it) while the teardown has lifted the
        // protections: the teardown stops before the bucket is touched, names the key and puts the protections back.
        const consumerState = () =>
          aws.s3.send(
            new PutObjectCommand({
              Bucket: config.bucket,
              Key: 'network/terraform.tfstate',
              Body: '{}',
              ServerSideEncryption: 'aws:kms',
              SSEKMSKeyId: config.kmsAlias,
            }),
          );
        const raced = npmRun(dir, 'teardown', [], { ...env, TFSTATE_CONFIRM_TEARDOWN: config.bucket });
        await waitFor(
          'the redeploy that lifts the protections',
          () => raced.output().includes('==> cdktf deploy bootstrap with TFSTATE_ALLOW_DESTROY=true'),
          300_000,
          raced,
        );
        const listedBeforeTheWrite = await listObjectVersions(aws.s3, config.bucket);
        await consumerState();
        expect(await raced.done).toBe(1);
        expect(raced.output()).toContain(
          `error: 1 key(s) written to s3://${config.bucket} since the listing (network/terraform.tfstate): teardown stopped, nothing was deleted from the bucket; protections are back (bootstrap redeployed without TFSTATE_ALLOW_DESTROY); find who writes there, then run the teardown again`,
        );
        expect(raced.output()).not.toContain('emptying');
        const afterTheStop = (await listObjectVersions(aws.s3, config.bucket)).map(
          (version) => `${version.key} ${version.versionId}`,
        );
        for (const version of listedBeforeTheWrite)
          expect(afterTheStop).toContain(`${version.key} ${version.versionId}`);
        expect(
          (await aws.dynamodb.send(new DescribeTableCommand({ TableName: config.lockTable }))).Table
            ?.DeletionProtectionEnabled,
        ).toBe(true);

        // The consumer's state is now there from the start: not the teardown's to delete.
        const foreign = await command('teardown', [], { TFSTATE_CONFIRM_TEARDOWN: config.bucket });
        expect(foreign.code).toBe(1);
        expect(foreign.output.split('\n').filter((line) => line.startsWith('==> '))).toEqual([
          `==> s3://${config.bucket}: 3 key(s), 5 version(s) and delete marker(s) to delete`,
          '==>   app/ (1 key(s))',
          '==>     app/terraform.tfstate  2 version(s)',
          '==>   env/ (1 key(s))',
          '==>     env/dev/terraform.tfstate  2 version(s)',
          '==>   network/ (1 key(s))',
          '==>     network/terraform.tfstate  1 version(s)  [not written by this project]',
        ]);
        expect(foreign.output).toContain(
          'error: refusing to delete 1 key(s) this project did not write (network/terraform.tfstate): move or delete them first, or pass --include-foreign-states to delete them too; nothing was destroyed',
        );
        expect(await bucketExists(aws.s3, config.bucket)).toBe(true);

        // 3,000 versions more: 30 keys side by side, each key's versions one after another (moto loses versions
        // written to one key at once).
        const keys = Array.from({ length: 30 }, (_, i) => `bulk/k${String(i).padStart(2, '0')}/terraform.tfstate`);
        await Promise.all(
          keys.map(async (Key) => {
            for (let i = 0; i < 100; i++)
              await aws.s3.send(new PutObjectCommand({ Bucket: config.bucket, Key, Body: String(i) }));
          }),
        );
        const teardown = expectSuccess(
          await command('teardown', ['--include-foreign-states'], { TFSTATE_CONFIRM_TEARDOWN: config.bucket }),
          'teardown',
        );
        expect(teardown.output).toContain(
          `==> s3://${config.bucket}: 33 key(s), 3005 version(s) and delete marker(s) to delete`,
        );
        // The app stacks were destroyed already: destroying them again writes no state version.
        expect(teardown.output).toContain(
          `==> s3://${config.bucket}: 3005 version(s) and delete marker(s) to delete, the app destroy's own writes included`,
        );
        const emptying = teardown.output
          .split('\n')
          .filter((line) => line.startsWith(`==> emptying s3://${config.bucket}: `));
        expect(emptying[0]).toBe(`==> emptying s3://${config.bucket}: 250 of 3005 deleted, 2755 left`);
        expect(emptying.at(-1)).toBe(`==> emptying s3://${config.bucket}: 3005 of 3005 deleted, 0 left`);
        expect(teardown.output).toContain(
          `==> emptied s3://${config.bucket}: 3005 object versions and delete markers deleted, each one listed above`,
        );
        expect(await bucketExists(aws.s3, config.bucket)).toBe(false);
        await expect(aws.dynamodb.send(new DescribeTableCommand({ TableName: config.lockTable }))).rejects.toThrow(
          /not found|ResourceNotFound/i,
        );
        expect((await aws.kms.send(new ListAliasesCommand({}))).Aliases?.map((a) => a.AliasName)).not.toContain(
          config.kmsAlias,
        );
        const key = await aws.kms.send(new DescribeKeyCommand({ KeyId: alias!.TargetKeyId }));
        expect(key.KeyMetadata?.KeyState).toBe('PendingDeletion');
      },
    );
  });
});
