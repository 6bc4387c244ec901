import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import {
  DeleteItemCommand,
  DescribeTableCommand,
  GetItemCommand,
  ListTagsOfResourceCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { IAMClient, ListPoliciesCommand, ListPolicyTagsCommand } from '@aws-sdk/client-iam';
import { ListAliasesCommand, ListResourceTagsCommand } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  GetBucketTaggingCommand,
  GetObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { EMULATOR_CREDENTIALS } from '../../config/backend';
import { digestLockId, lockItemId } from '../../config/naming';
import { listStateVersions } from '../../ops/bucket';
import { md5Hex } from '../../ops/lock-table';
import { PROJECT_ROOT } from '../../scripts/lib/project';
import { run } from '../../scripts/lib/run';
import { expectSuccess, type Scenario, unchangedStacks, withScenario } from './harness';

const TAGS = { team: 'platform', 'cost-center': '42' };

async function readText(scenario: Scenario, bucket: string, key: string): Promise<string> {
  return (await scenario.aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
}

async function digestOf(scenario: Scenario, bucket: string, key: string): Promise<string | undefined> {
  const item = await scenario.aws.dynamodb.send(
    new GetItemCommand({ TableName: scenario.config.lockTable!, Key: { LockID: { S: digestLockId(bucket, key) } } }),
  );
  return item.Item?.Digest?.S;
}

describe('organization tags and state operations per key (TFSTATE_TAGS, npm run state -- list|move|delete)', () => {
  test('tags from the first apply; list, move (crashed, then finished by a re-run), delete and purge', async () => {
    await withScenario('tags and state keys', { TFSTATE_TAGS: 'team=platform,cost-center=42' }, async (scenario) => {
      const { config, aws, cdktf, command, terraform } = scenario;
      const bucket = config.bucket;
      expectSuccess(await cdktf('deploy', ['bootstrap']), 'deploy bootstrap');

      // 1. Tags on every resource right after the first apply (provider default_tags go into the create calls).
      const expected = expect.arrayContaining(
        [...Object.entries(TAGS), ['ManagedBy', 'tfstate-backend']].map(([Key, Value]) => ({ Key, Value })),
      );
      for (const name of [bucket, config.logBucket!])
        expect((await aws.s3.send(new GetBucketTaggingCommand({ Bucket: name }))).TagSet).toEqual(expected);
      const tableArn = (await aws.dynamodb.send(new DescribeTableCommand({ TableName: config.lockTable }))).Table!
        .TableArn!;
      expect((await aws.dynamodb.send(new ListTagsOfResourceCommand({ ResourceArn: tableArn }))).Tags).toEqual(
        expected,
      );
      const keyId = ((await aws.kms.send(new ListAliasesCommand({}))).Aliases ?? []).find(
        (alias) => alias.AliasName === config.kmsAlias,
      )!.TargetKeyId!;
      const keyTags = (await aws.kms.send(new ListResourceTagsCommand({ KeyId: keyId }))).Tags ?? [];
      expect(keyTags.map((tag) => ({ Key: tag.TagKey, Value: tag.TagValue }))).toEqual(expected);
      const iam = new IAMClient({
        region: config.region,
        endpoint: scenario.endpoint,
        credentials: EMULATOR_CREDENTIALS,
      });
      const policies = ((await iam.send(new ListPoliciesCommand({ Scope: 'Local' }))).Policies ?? []).filter((policy) =>
        policy.PolicyName!.startsWith(`${bucket}-state-`),
      );
      expect(policies.map((policy) => policy.PolicyName).sort()).toEqual([
        `${bucket}-state-kops`,
        `${bucket}-state-read-only`,
        `${bucket}-state-read-write`,
      ]);
      for (const policy of policies)
        expect((await iam.send(new ListPolicyTagsCommand({ PolicyArn: policy.Arn }))).Tags).toEqual(expected);

      // 2. list: the app's state with its size, versions and lock.
      expectSuccess(await cdktf('deploy', ['app']), 'deploy app');
      const listed = expectSuccess(await command('state', ['list']), 'state list').output;
      expect(listed).toMatch(
        /^ {2}app\/terraform\.tfstate {2}\d+ bytes {2}\d{4}-\d\d-\d\dT\S+ {2}1 version\(s\) {2}not locked$/m,
      );

      // 3. move, killed after the copy and its digest, before the source is removed: the locks stay behind.
      const from = config.stateKey;
      const to = 'moved/terraform.tfstate';
      // The key changed without a move: refused in one line before cdktf runs, naming the move.
      const unmoved = await command('deploy', ['app'], { TFSTATE_KEY: to });
      expect(unmoved.code).toBe(1);
      expect(unmoved.output.split('\n').filter((line) => line.startsWith('error: '))).toEqual([
        `error: cdktf deploy app: its state is at s3://${bucket}/${from} and s3://${bucket}/${to}, which the config names now, holds none; move it first: npm run state -- move ${from} ${to} (or deploy with --migrate-state)`,
      ]);
      const state = await readText(scenario, bucket, from);
      const crash = await run(
        join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'),
        [join(__dirname, 'crashing-move.ts'), from, to, 'DeleteObjectCommand'],
        { cwd: scenario.dir, env: scenario.env, timeoutMs: 120_000 },
      );
      expect(crash.code).toBe(3);
      expect(crash.output).toContain(`copied s3://${bucket}/${from} to s3://${bucket}/${to}`);
      expect(crash.output).toContain('crashed before DeleteObjectCommand');
      expect(await readText(scenario, bucket, to)).toBe(state);
      expect(expectSuccess(await command('state', ['list']), 'state list').output).toMatch(
        /app\/terraform\.tfstate .* locked by \S+ \(ID \S+, tfstate-move\)/,
      );
      // Terraform itself now waits: the source is locked.
      const locked = await terraform('app', ['plan', '-input=false', '-lock-timeout=0s']);
      expect(locked.output).toContain('Error acquiring the state lock');

      // The re-run takes over its own stale locks and does what is left.
      const rerun = expectSuccess(await command('state', ['move', from, to]), 'state move (re-run)').output;
      expect(rerun).toMatch(
        /released the lock \S+ on s3:\/\/\S+\/app\/terraform\.tfstate left by an interrupted run of the same tfstate-move \(pid \d+/,
      );
      expect(rerun).toContain('already holds this state (copied by an interrupted run)');
      expect(rerun).toContain(`removed the current version of s3://${bucket}/${from}`);
      expect(await digestOf(scenario, bucket, to)).toBe(md5Hex(state));
      expect(await digestOf(scenario, bucket, from)).toBeUndefined();
      expect((await listStateVersions(aws.s3, bucket, from)).length).toBe(1);
      const lockItem = await aws.dynamodb.send(
        new GetItemCommand({ TableName: config.lockTable!, Key: { LockID: { S: lockItemId(bucket, from) } } }),
      );
      expect(lockItem.Item).toBeUndefined();
      // npm run deploy with the new key initializes the backend anew (Terraform said "Backend configuration changed");
      // Terraform reads the moved state (digest matches) and finds everything in place.
      const redeployed = expectSuccess(
        await command('deploy', ['app'], { TFSTATE_KEY: to }),
        'deploy app on the moved key',
      );
      expect(redeployed.output).toContain(
        `app: its state has moved from s3://${bucket}/${from} to s3://${bucket}/${to}; its backend is initialized anew`,
      );
      expect(unchangedStacks(redeployed)).toBe(1);
      expect((await terraform('app', ['plan', '-input=false', '-detailed-exitcode'])).code).toBe(0);

      // 4. Back again, then delete: the current version, digest and lock go; the history stays and restore brings it back.
      expectSuccess(await command('state', ['move', to, from]), 'state move back');
      const deleted = expectSuccess(await command('state', ['delete', from, '--yes']), 'state delete').output;
      expect(deleted).toContain(`removed the current version of s3://${bucket}/${from}`);
      expect(deleted).toContain(`removed the digest item of s3://${bucket}/${from}`);
      expect(await digestOf(scenario, bucket, from)).toBeUndefined();
      expect(expectSuccess(await command('state', ['list']), 'state list').output).toMatch(
        /^ {2}app\/terraform\.tfstate {2}\(deleted: restorable from its versions\) {2}2 version\(s\) {2}not locked$/m,
      );
      const again = expectSuccess(await command('state', ['delete', from, '--yes']), 'state delete (again)').output;
      expect(again).toContain('has no current version (already deleted)');
      const newest = (await listStateVersions(aws.s3, bucket, from))[0].versionId;
      expectSuccess(await command('state', ['restore', newest, '--yes']), 'state restore after delete');
      expect(JSON.parse(await readText(scenario, bucket, from)).resources).toEqual(JSON.parse(state).resources);

      // 5. Refusals: a target holding another state, a key someone holds the lock of. Nothing changes.
      const taken = 'taken/terraform.tfstate';
      await aws.s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: taken, Body: '{"version":4,"serial":7,"lineage":"other"}' }),
      );
      const refusedTaken = await command('state', ['move', from, taken]);
      expect(refusedTaken.code).toBe(1);
      expect(refusedTaken.output).toMatch(
        new RegExp(
          `^error: s3://${bucket}/taken/terraform\\.tfstate already holds another state \\(serial 7\\); move refused`,
          'm',
        ),
      );
      const lockId = { S: lockItemId(bucket, taken) };
      await aws.dynamodb.send(
        new PutItemCommand({
          TableName: config.lockTable!,
          Item: {
            LockID: lockId,
            Info: { S: JSON.stringify({ ID: 'held', Who: 'ci@runner', Operation: 'OperationTypeApply' }) },
          },
        }),
      );
      const refusedLocked = await command('state', ['delete', taken, '--yes']);
      expect(refusedLocked.code).toBe(1);
      expect(refusedLocked.output).toMatch(
        new RegExp(
          `^error: s3://${bucket}/taken/terraform\\.tfstate is locked by ci@runner \\(ID held, OperationTypeApply\\); tfstate-delete refused while a lock is held$`,
          'm',
        ),
      );
      // The same operation still running (its process alive) is never taken over either.
      const running = {
        ID: 'running',
        Who: `${userInfo().username}@${hostname()}`,
        Operation: 'tfstate-delete',
        Info: `delete s3://${bucket}/${taken} (pid ${process.pid})`,
      };
      await aws.dynamodb.send(
        new PutItemCommand({
          TableName: config.lockTable!,
          Item: { LockID: lockId, Info: { S: JSON.stringify(running) } },
        }),
      );
      const refusedRunning = await command('state', ['delete', taken, '--yes']);
      expect(refusedRunning.code).toBe(1);
      expect(refusedRunning.output).toContain(
        `(ID running, tfstate-delete); tfstate-delete refused while a lock is held (if that run is dead, delete the lock: item "${bucket}/${taken}" of terraform-locks`,
      );
      expect(await readText(scenario, bucket, taken)).toContain('"serial":7');
      await aws.dynamodb.send(new DeleteItemCommand({ TableName: config.lockTable!, Key: { LockID: lockId } }));

      // 6. To another bucket (same lock table): the copy and its digest are there.
      const second = 'tfstate-second-e2e';
      await aws.s3.send(new CreateBucketCommand({ Bucket: second }));
      await aws.s3.send(
        new PutBucketVersioningCommand({ Bucket: second, VersioningConfiguration: { Status: 'Enabled' } }),
      );
      expectSuccess(await command('state', ['move', from, from, '--to-bucket', second]), 'state move --to-bucket');
      expect(await digestOf(scenario, second, from)).toBe(md5Hex(await readText(scenario, second, from)));

      // 7. Purge: nothing of the key is left; a re-run says so.
      const purged = expectSuccess(
        await command('state', ['delete', to, '--yes', '--purge']),
        'state delete --purge',
      ).output;
      expect(purged).toMatch(/purged \d+ version\(s\) and delete marker\(s\)/);
      expect(await listStateVersions(aws.s3, bucket, to)).toEqual([]);
      expect(
        expectSuccess(await command('state', ['delete', to, '--yes', '--purge']), 'state delete --purge (again)')
          .output,
      ).toContain('purged 0 version(s)');
    });
  });
});
