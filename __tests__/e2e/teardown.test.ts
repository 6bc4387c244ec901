import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand, ListAliasesCommand } from '@aws-sdk/client-kms';
import { bucketExists } from '../../scripts/lib/aws';
import { expectSuccess, withScenario } from './harness';

describe('npm run teardown', () => {
  test('refuses without confirmation; with it leaves no bucket, table or alias of ours and the key pending deletion', async () => {
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

      expectSuccess(await command('teardown', [], { TFSTATE_CONFIRM_TEARDOWN: config.bucket }), 'teardown');
      expect(await bucketExists(aws.s3, config.bucket)).toBe(false);
      await expect(aws.dynamodb.send(new DescribeTableCommand({ TableName: config.lockTable }))).rejects.toThrow(/not found|ResourceNotFound/i);
      expect((await aws.kms.send(new ListAliasesCommand({}))).Aliases?.map((a) => a.AliasName)).not.toContain(config.kmsAlias);
      const key = await aws.kms.send(new DescribeKeyCommand({ KeyId: alias!.TargetKeyId }));
      expect(key.KeyMetadata?.KeyState).toBe('PendingDeletion');
    });
  });
});
