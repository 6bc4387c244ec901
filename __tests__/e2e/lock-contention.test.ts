import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { lockfileKey, lockItemId } from '../../config/naming';
import { lockHeld } from '../../scripts/lib/diagnose';
import { RunResult } from '../../scripts/lib/run';
import { Scenario, expectSuccess, withScenario } from './harness';

/** What Terraform writes as lock info (statemgr.LockInfo), here for a holder that is not this test's Terraform. */
function lockInfo(path: string) {
  return JSON.stringify({
    ID: '6b1c2d3e-0000-4000-8000-00000000e2e0',
    Operation: 'OperationTypeApply',
    Info: '',
    Who: 'holder@e2e-test',
    Version: '1.11.4',
    Created: '2026-01-01T00:00:00Z',
    Path: path,
  });
}

const VPC = 'aws_vpc.placeholder-vpc';

async function appState(scenario: Scenario): Promise<{ serial: number; lineage: string; vpcId: string; resources: number }> {
  const object = await scenario.aws.s3.send(new GetObjectCommand({ Bucket: scenario.config.bucket, Key: scenario.config.stateKey }));
  const state = JSON.parse(await object.Body!.transformToString());
  return { serial: state.serial, lineage: state.lineage, vpcId: state.outputs.vpc_id.value, resources: state.resources.length };
}

function expectRefusedByHolder(result: RunResult) {
  expect(result.code).not.toBe(0);
  expect(result.output).toMatch(/Error acquiring the state lock/);
  expect(lockHeld(result.output)).toMatchObject({ who: 'holder@e2e-test', id: '6b1c2d3e-0000-4000-8000-00000000e2e0', operation: 'OperationTypeApply' });
}

describe.each(['dynamodb', 's3'] as const)('state lock, TFSTATE_LOCKING=%s', (locking) => {
  test('a held lock refuses plan and apply with the holder\'s info; of two simultaneous applies exactly one wins; state stays intact', async () => {
    await withScenario(`lock contention ${locking}`, { TFSTATE_LOCKING: locking }, async (scenario) => {
      const { config, aws, cdktf, terraform } = scenario;
      expectSuccess(await cdktf('deploy', ['bootstrap']), 'deploy bootstrap');
      expectSuccess(await cdktf('deploy', ['app']), 'deploy app');
      const before = await appState(scenario);

      // (a) A lock held the way Terraform holds it.
      const path = lockItemId(config.bucket, config.stateKey);
      if (locking === 'dynamodb') {
        await aws.dynamodb.send(new PutItemCommand({ TableName: config.lockTable, Item: { LockID: { S: path }, Info: { S: lockInfo(path) } } }));
      } else {
        await aws.s3.send(new PutObjectCommand({ Bucket: config.bucket, Key: lockfileKey(config.stateKey), Body: lockInfo(path), ContentType: 'application/json' }));
      }
      expectRefusedByHolder(await terraform('app', ['plan', '-input=false', '-lock-timeout=0s']));
      expectRefusedByHolder(await terraform('app', ['apply', '-input=false', '-auto-approve', '-lock-timeout=0s', `-replace=${VPC}`]));
      expect(await appState(scenario)).toEqual(before);
      if (locking === 'dynamodb') await aws.dynamodb.send(new DeleteItemCommand({ TableName: config.lockTable, Key: { LockID: { S: path } } }));
      else await aws.s3.send(new DeleteObjectCommand({ Bucket: config.bucket, Key: lockfileKey(config.stateKey) }));

      // (b) Two real applies at once, each replacing the VPC: only the one holding the lock may act.
      const apply = () => terraform('app', ['apply', '-input=false', '-auto-approve', '-lock-timeout=0s', `-replace=${VPC}`]);
      const results = await Promise.all([apply(), apply()]);
      const winners = results.filter((r) => r.code === 0);
      const losers = results.filter((r) => r.code !== 0);
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(1);
      expect(losers[0].output).toMatch(/Error acquiring the state lock/);
      expect(lockHeld(losers[0].output)?.operation).toBe('OperationTypeApply');

      const after = await appState(scenario);
      expect(after.lineage).toBe(before.lineage);
      expect(after.resources).toBe(before.resources);
      expect(after.vpcId).not.toBe(before.vpcId);
      expect(winners[0].output).toContain(after.vpcId);
      // Intact: the stored state (and, with DynamoDB, its digest) reads back and matches the infrastructure.
      expect((await terraform('app', ['plan', '-input=false', '-detailed-exitcode', '-lock-timeout=0s'])).code).toBe(0);
    });
  });
});
