import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { expectSuccess, withScenario } from './harness';

describe('a deploy that would destroy a protected resource', () => {
  test('renaming the lock table: exit 1, one line naming the table, prevent_destroy and the way out; the table is kept', async () => {
    await withScenario('refused destroy', {}, async ({ config, aws, command }) => {
      expectSuccess(await command('deploy', ['bootstrap']), 'deploy bootstrap');
      const renamed = await command('deploy', ['bootstrap'], { TFSTATE_LOCK_TABLE: 'terraform-locks-renamed' });
      expect(renamed.code).toBe(1);
      expect(renamed.output.split('\n').filter((line) => line.startsWith('error: '))).toEqual([
        'error: cdktf deploy bootstrap: this change would destroy the lock table "terraform-locks" (aws_dynamodb_table.lock-table_D28631D7), protected by prevent_destroy: to keep it, restore the setting that named it; to remove the whole backend, npm run teardown',
      ]);
      const table = await aws.dynamodb.send(new DescribeTableCommand({ TableName: config.lockTable }));
      expect(table.Table?.DeletionProtectionEnabled).toBe(true);
    });
  });
});
