import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, GetItemCommand, GetResourcePolicyCommand } from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { GetBucketPolicyCommand, GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { loadConfig } from '../../config/load';
import { digestLockId, lockItemId } from '../../config/naming';
import { readDeployed } from '../../exports/deployed';
import { exportSettings } from '../../exports/export';
import { md5Hex } from '../../ops/lock-table';
import { PROJECT_ROOT, stackDir } from '../../scripts/lib/project';
import { run } from '../../scripts/lib/run';
import { createWorkspace } from '../../scripts/lib/workspace';
import { expectSuccess, type Scenario, withScenario } from './harness';

const VPC = 'aws_vpc.placeholder-vpc';

async function readObject(scenario: Scenario, bucket: string, key: string): Promise<string> {
  const object = await scenario.aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return object.Body!.transformToString();
}

async function digest(scenario: Scenario, table: string, bucket: string, key: string): Promise<string | undefined> {
  const item = await scenario.aws.dynamodb.send(
    new GetItemCommand({ TableName: table, Key: { LockID: { S: digestLockId(bucket, key) } } }),
  );
  return item.Item?.Digest?.S;
}

/** A plain HCL project (no cdktf) whose backend comes only from the exported partial backend file. */
async function plainTerraformProject(scenario: Scenario, key: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tfstate-plain-'));
  try {
    writeFileSync(
      join(dir, 'main.tf'),
      'terraform {\n  backend "s3" {}\n}\n\noutput "consumer" {\n  value = "plain terraform"\n}\n',
    );
    writeFileSync(join(dir, 'state.s3.tfbackend'), exportSettings(scenario.config, { format: 'terraform', key }));
    const tf = (args: string[]) => run('terraform', args, { cwd: dir, env: scenario.env, timeoutMs: 120_000 });
    expectSuccess(
      await tf(['init', '-input=false', '-backend-config=state.s3.tfbackend']),
      'terraform init -backend-config',
    );
    expectSuccess(await tf(['apply', '-input=false', '-auto-approve']), 'terraform apply (plain project)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const OTHER_ACCOUNT = '111122223333';
const READER_ACCOUNT = '444455556666';

describe('consumers and operations (TFSTATE_LOCKING=dynamodb, one cross-account writer and one reader)', () => {
  test('cross-account grants, export, crash and force-unlock, history and restore, moving state to another bucket', async () => {
    await withScenario(
      'consumers and operations',
      { TFSTATE_CROSS_ACCOUNT_PRINCIPALS: OTHER_ACCOUNT, TFSTATE_CROSS_ACCOUNT_READERS: READER_ACCOUNT },
      async (scenario) => {
        const { config, aws, cdktf, terraform, command } = scenario;
        const table = config.lockTable!;
        expectSuccess(await cdktf('deploy', ['bootstrap']), 'deploy bootstrap');
        expectSuccess(await cdktf('deploy', ['app']), 'deploy app');

        // 0. Cross-account grants are in place on the bucket and the table, and read back without drift.
        const bucketPolicy = (await aws.s3.send(new GetBucketPolicyCommand({ Bucket: config.bucket }))).Policy ?? '';
        expect(JSON.parse(bucketPolicy).Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
          'WritersListBucket',
          'WritersReadWriteState',
          'WritersReadWriteDeleteObjects',
          'ReadersListBucket',
          'ReadersReadState',
          'OtherAccountsDenyKeysDeeperThanGranted',
        ]);
        expect(bucketPolicy).toContain(`arn:aws:iam::${OTHER_ACCOUNT}:root`);
        expect(bucketPolicy).toContain(`arn:aws:iam::${READER_ACCOUNT}:root`);
        const tableArn = (await aws.dynamodb.send(new DescribeTableCommand({ TableName: table }))).Table!.TableArn!;
        const tablePolicy =
          (await aws.dynamodb.send(new GetResourcePolicyCommand({ ResourceArn: tableArn }))).Policy ?? '';
        expect(JSON.parse(tablePolicy).Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
          'WritersLockAndDigestItems',
          'ReadersReadStateDigests',
        ]);
        expect((await terraform('bootstrap', ['plan', '-input=false', '-detailed-exitcode'])).code).toBe(0);

        // The settings another account gets name the deployed key and the table by ARN, read from the bootstrap's outputs.
        const deployed = await readDeployed(
          config,
          scenario.dir,
          () => aws.s3,
          async () => (await aws.sts.send(new GetCallerIdentityCommand({}))).Account ?? '',
        );
        const keyArn = (await aws.kms.send(new DescribeKeyCommand({ KeyId: config.kmsAlias }))).KeyMetadata!.Arn!;
        expect(deployed).toEqual({ keyArn });
        const forOther = exportSettings(config, { format: 'terraform', forAccount: OTHER_ACCOUNT }, deployed);
        expect(forOther).toContain(`kms_key_id     = "${keyArn}"`);
        expect(forOther).toContain(`dynamodb_table = "${tableArn}"`);

        // 1. Terraform reads its partial backend file for real: the state lands at the key, encrypted, with a digest.
        const plainKey = 'plain/terraform.tfstate';
        await plainTerraformProject(scenario, plainKey);
        expect(JSON.parse(await readObject(scenario, config.bucket, plainKey)).outputs.consumer.value).toBe(
          'plain terraform',
        );
        const head = await aws.s3.send(new HeadObjectCommand({ Bucket: config.bucket, Key: plainKey }));
        expect(head.ServerSideEncryption).toBe('aws:kms');
        expect(await digest(scenario, table, config.bucket, plainKey)).toBe(
          md5Hex(await readObject(scenario, config.bucket, plainKey)),
        );

        // 2. A second, complete apply (a new VPC), so the history has a version before the current one;
        // then an apply killed mid-way leaves its lock behind, and the lock command shows it.
        expectSuccess(
          await terraform('app', ['apply', '-input=false', '-auto-approve', `-replace=${VPC}`]),
          'apply -replace',
        );
        const stateBefore = await readObject(scenario, config.bucket, config.stateKey);
        const crashed = await run('terraform', ['apply', '-input=false', '-auto-approve', `-replace=${VPC}`], {
          cwd: stackDir(scenario.dir, 'app'),
          env: scenario.env,
          timeoutMs: 120_000,
          killWhen: (output) => /(Destroying|Creating)\.\.\./.test(output),
        });
        expect(crashed.code).toBeNull();
        const lockItem = await aws.dynamodb.send(
          new GetItemCommand({ TableName: table, Key: { LockID: { S: lockItemId(config.bucket, config.stateKey) } } }),
        );
        const lockId = JSON.parse(lockItem.Item!.Info!.S!).ID as string;
        const shown = expectSuccess(await command('state', ['lock']), 'state lock');
        expect(shown.output).toContain(`ID=${lockId}`);
        expect(shown.output).toContain('Operation=OperationTypeApply');
        expect(shown.output).toContain(`terraform force-unlock -force ${lockId}`);

        // A restore is refused while the lock is held.
        const refused = await command('state', ['restore', 'any-version', '--yes']);
        expect(refused.code).toBe(1);
        expect(refused.output).toMatch(/restore refused while a lock is held/);

        // 3. force-unlock, then the next deploy converges and nothing is lost.
        expectSuccess(await terraform('app', ['force-unlock', '-force', lockId]), 'terraform force-unlock');
        expect((await command('state', ['lock'])).output).toContain('not locked');
        expectSuccess(await cdktf('deploy', ['app']), 'deploy app after the crash');
        expect((await terraform('app', ['plan', '-input=false', '-detailed-exitcode'])).code).toBe(0);

        // 4. History: the state before the crash is still a version of the object, and restorable.
        const versions = expectSuccess(await command('state', ['versions']), 'state versions').output;
        const ids = [...versions.matchAll(/^\s+(\S+)\s+\d{4}-\d\d-\d\dT/gm)].map((match) => match[1]);
        expect(ids.length).toBeGreaterThanOrEqual(2);
        const previous = ids[1];
        const previousText = await aws.s3
          .send(new GetObjectCommand({ Bucket: config.bucket, Key: config.stateKey, VersionId: previous }))
          .then((object) => object.Body!.transformToString());
        expect(JSON.parse(previousText).lineage).toBe(JSON.parse(stateBefore).lineage);
        const restore = expectSuccess(await command('state', ['restore', previous, '--yes']), 'state restore');
        expect(restore.output).toMatch(/restored as serial \d+/);
        const restored = await readObject(scenario, config.bucket, config.stateKey);
        expect(JSON.parse(restored).resources).toEqual(JSON.parse(previousText).resources);
        expect(await digest(scenario, table, config.bucket, config.stateKey)).toBe(md5Hex(restored));
        // Terraform accepts the restored state (digest matches): the plan runs (it may show drift, never an error).
        expect([0, 2]).toContain((await terraform('app', ['plan', '-input=false', '-detailed-exitcode'])).code);
        expectSuccess(await cdktf('deploy', ['app']), 'deploy app on the restored state');

        // 5. Moving state between buckets: a second backend (its own bootstrap state), then --migrate-state.
        const second = { TFSTATE_BUCKET: 'tfstate-moved-e2e', TFSTATE_LOCK_TABLE: 'terraform-locks-moved' };
        const other = createWorkspace(PROJECT_ROOT, 'tfstate-e2e-second-');
        try {
          expectSuccess(
            await scenario.cdktfIn(other.dir, 'deploy', ['bootstrap'], [], second),
            'bootstrap of the second backend',
          );
        } finally {
          other.remove();
        }
        const appState = await readObject(scenario, config.bucket, config.stateKey);
        const migration = expectSuccess(
          await cdktf('deploy', ['app'], ['--migrate-state'], second),
          'deploy app --migrate-state to the second bucket',
        );
        const moved = await readObject(scenario, second.TFSTATE_BUCKET, config.stateKey);
        // Copied, not recreated: the same VPC is in the new bucket's state (only its StateBucket tag is updated).
        if (JSON.parse(moved).outputs.vpc_id.value !== JSON.parse(appState).outputs.vpc_id.value) {
          throw new Error(`the state was not copied:\n${migration.output.slice(-6000)}`);
        }
        expect(JSON.parse(moved).resources.length).toBe(JSON.parse(appState).resources.length);
        expect(migration.output).toMatch(/Do you want to copy existing state to the new backend\?[\s\S]*yes/);
        const movedConfig = loadConfig({ cwd: scenario.dir, env: { ...second, AWS_ENDPOINT_URL: scenario.endpoint } });
        expect(await digest(scenario, movedConfig.lockTable!, movedConfig.bucket, config.stateKey)).toBe(md5Hex(moved));
        expect((await terraform('app', ['plan', '-input=false', '-detailed-exitcode'])).code).toBe(0);
      },
    );
  });
});
