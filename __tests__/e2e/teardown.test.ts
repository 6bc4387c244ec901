import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand, ListAliasesCommand } from '@aws-sdk/client-kms';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { bucketExists } from '../../ops/bucket';
import { expectSuccess, withScenario } from './harness';

describe('npm run teardown', () => {
  test('lists what it deletes; refuses without confirmation and while a state it did not write remains; then leaves no bucket, table or alias of ours and the key pending deletion', async () => {
    await withScenario('teardown', { TFSTATE_ENVIRONMENTS: 'dev' }, async ({ config, aws, cdktf, command }) => {
      expectSuccess(await cdktf('deploy', ['bootstrap']), 'deploy bootstrap');
      expectSuccess(await cdktf('deploy', ['app', 'app-dev']), 'deploy app stacks');
      const alias = (await aws.kms.send(new ListAliasesCommand({}))).Aliases?.find((a) => a.AliasName === config.kmsAlias);
      expect(alias?.TargetKeyId).toBeDefined();

      const refused = await command('teardown');
      expect(refused.code).toBe(1);
      expect(refused.output.trim()).toBe(`error: refusing to destroy state bucket "${config.bucket}" and every state in it without confirmation: pass --yes-destroy-state or set TFSTATE_CONFIRM_TEARDOWN=${config.bucket}`);
      const wrongName = await command('teardown', [], { TFSTATE_CONFIRM_TEARDOWN: 'some-other-bucket' });
      expect(wrongName.code).toBe(1);
      expect(wrongName.output).toMatch(/does not name the configured state bucket/);
      expect(await bucketExists(aws.s3, config.bucket)).toBe(true);

      // A consumer's state (written the way a plain Terraform project writes it) is not the teardown's to delete.
      await aws.s3.send(new PutObjectCommand({ Bucket: config.bucket, Key: 'network/terraform.tfstate', Body: '{}', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: config.kmsAlias }));
      const foreign = await command('teardown', [], { TFSTATE_CONFIRM_TEARDOWN: config.bucket });
      expect(foreign.code).toBe(1);
      const listing = foreign.output.split('\n').filter((line) => line.startsWith('==> '));
      expect(listing).toEqual([
        `==> s3://${config.bucket}: 3 key(s), 3 version(s) and delete marker(s) to delete`,
        '==>   app/ (1 key(s))',
        '==>     app/terraform.tfstate  1 version(s)',
        '==>   env/ (1 key(s))',
        '==>     env/dev/terraform.tfstate  1 version(s)',
        '==>   network/ (1 key(s))',
        '==>     network/terraform.tfstate  1 version(s)  [not written by this project]',
      ]);
      expect(foreign.output).toContain('error: refusing to delete 1 key(s) this project did not write (network/terraform.tfstate): move or delete them first, or pass --include-foreign-states to delete them too; nothing was destroyed');
      expect(await bucketExists(aws.s3, config.bucket)).toBe(true);

      expectSuccess(await command('teardown', ['--include-foreign-states'], { TFSTATE_CONFIRM_TEARDOWN: config.bucket }), 'teardown');
      expect(await bucketExists(aws.s3, config.bucket)).toBe(false);
      await expect(aws.dynamodb.send(new DescribeTableCommand({ TableName: config.lockTable }))).rejects.toThrow(/not found|ResourceNotFound/i);
      expect((await aws.kms.send(new ListAliasesCommand({}))).Aliases?.map((a) => a.AliasName)).not.toContain(config.kmsAlias);
      const key = await aws.kms.send(new DescribeKeyCommand({ KeyId: alias!.TargetKeyId }));
      expect(key.KeyMetadata?.KeyState).toBe('PendingDeletion');
    });
  });
});
