import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { lockfileKey, lockItemId } from '../../config/naming';
import { lockHeld } from '../../scripts/lib/diagnose';
import type { RunResult } from '../../scripts/lib/run';
import { expectSuccess, type Scenario, withScenario } from './harness';

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

async function appState(
  scenario: Scenario,
): Promise<{ serial: number; lineage: string; vpcId: string; resources: number }> {
  const object = await scenario.aws.s3.send(
    new GetObjectCommand({ Bucket: scenario.config.bucket, Key: scenario.config.stateKey }),
  );
  const state = JSON.parse(await object.Body!.transformToString());
  return {
    serial: state.serial,
    lineage: state.lineage,
    vpcId: state.outputs.vpc_id.value,
    resources: state.resources.length,
  };
}

function expectRefusedByHolder(result: RunResult) {
  expect(result.code).not.toBe(0);
  expect(result.output).toMatch(/Error acquiring the state lock/);
  expect(lockHeld(result.output)).toMatchObject({
    who: 'holder@e2e-test',
    id: '6b1c2d3e-0000-4000-8000-00000000e2e0',
    operation: 'OperationTypeApply',
  });
}

// TFSTATE_LOCKING=both: Terraform takes the DynamoDB lock and the S3 lockfile, so one emulator shows that each
// kind of lock, held alone, refuses a second writer (the lockfile code path is the one s3 mode uses).
describe('state lock (TFSTATE_LOCKING=both: DynamoDB item and S3 lockfile)', () => {
  test("a held lock refuses plan and apply with the holder's info; of two simultaneous applies exactly one wins; state stays intact", async () => {
    await withScenario('lock contention', { TFSTATE_LOCKING: 'both' }, async (scenario) => {
      const { config, aws, cdktf, terraform } = scenario;
      expectSuccess(await cdktf('deploy', ['bootstrap']), 'deploy bootstrap');
      expectSuccess(await cdktf('deploy', ['app']), 'deploy app');
      const before = await appState(scenario);
      const path = lockItemId(config.bucket, config.stateKey);
      const lockItem = { TableName: config.lockTable, Key: { LockID: { S: path } } };
      const lockfile = { Bucket: config.bucket, Key: lockfileKey(config.stateKey) };

      // (a) A lock held the way Terraform holds it: first the DynamoDB item, then the S3 lockfile.
      await aws.dynamodb.send(
        new PutItemCommand({ TableName: config.lockTable, Item: { LockID: { S: path }, Info: { S: lockInfo(path) } } }),
      );
      expectRefusedByHolder(await terraform('app', ['plan', '-input=false', '-lock-timeout=0s']));
      expectRefusedByHolder(
        await terraform('app', ['apply', '-input=false', '-auto-approve', '-lock-timeout=0s', `-replace=${VPC}`]),
      );
      await aws.dynamodb.send(new DeleteItemCommand(lockItem));

      await aws.s3.send(new PutObjectCommand({ ...lockfile, Body: lockInfo(path), ContentType: 'application/json' }));
      expectRefusedByHolder(await terraform('app', ['plan', '-input=false', '-lock-timeout=0s']));
      expectRefusedByHolder(
        await terraform('app', ['apply', '-input=false', '-auto-approve', '-lock-timeout=0s', `-replace=${VPC}`]),
      );
      await aws.s3.send(new DeleteObjectCommand(lockfile));
      expect(await appState(scenario)).toEqual(before);

      // (b) Two real applies at once, each replacing the VPC: only the one holding the lock may act.
      const apply = () =>
        terraform('app', ['apply', '-input=false', '-auto-approve', '-lock-timeout=0s', `-replace=${VPC}`]);
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
      // Intact: the stored state and its DynamoDB digest read back and match the infrastructure; no lock is left.
      expect((await terraform('app', ['plan', '-input=false', '-detailed-exitcode', '-lock-timeout=0s'])).code).toBe(0);
    });
  });
});
