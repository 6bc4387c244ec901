// A bootstrap killed as a power cut kills it (SIGKILL to every process of the run) and then run again: the
// re-run takes over what the killed one created instead of failing on "already exists".

import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListPoliciesCommand } from '@aws-sdk/client-iam';
import {
  CreateKeyCommand,
  DescribeKeyCommand,
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
} from '@aws-sdk/client-kms';
import { CreateBucketCommand, DeleteBucketCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { descendants, expectSuccess, npmRun, type Scenario, waitFor, withScenario } from './harness';

const STATE_BUCKET_CREATED = /^bootstrap\s+aws_s3_bucket\.state-bucket_[0-9A-F]+: Creation complete/m;

/** The keys of the region: id, state, and whether they carry this project's tags for `bucket`. */
async function keys(scenario: Scenario): Promise<{ id: string; state: string; ours: boolean }[]> {
  const { kms } = scenario.aws;
  const listed = (await kms.send(new ListKeysCommand({}))).Keys ?? [];
  return Promise.all(
    listed.map(async ({ KeyId: id }) => {
      const tags = (await kms.send(new ListResourceTagsCommand({ KeyId: id }))).Tags ?? [];
      const state = (await kms.send(new DescribeKeyCommand({ KeyId: id }))).KeyMetadata!.KeyState!;
      const ours =
        tags.some((t) => t.TagKey === 'ManagedBy' && t.TagValue === 'tfstate-backend') &&
        tags.some((t) => t.TagKey === 'StateBucket' && t.TagValue === scenario.config.bucket);
      return { id: id!, state, ours };
    }),
  );
}

describe('an interrupted bootstrap', () => {
  test('killed (SIGKILL, every process) right after the state bucket was created: the same command again finishes it, every resource once', async () => {
    await withScenario('interrupted bootstrap', {}, async (scenario) => {
      const { config, aws, dir, env } = scenario;
      const logBucket = `${config.bucket}-logs`;

      // A same-named bucket that is not ours (no tags) is refused before anything is created.
      await aws.s3.send(new CreateBucketCommand({ Bucket: logBucket }));
      const refused = npmRun(dir, 'deploy', ['bootstrap'], env);
      expect(await refused.done).toBe(1);
      expect(
        refused
          .output()
          .split('\n')
          .filter((line) => line.startsWith('error: ')),
      ).toEqual([
        `error: aws_s3_bucket.log-bucket_38F5EEF0: ${logBucket} exists without this project's tags (ManagedBy=tfstate-backend, StateBucket=${config.bucket}), so it is not taken over as left by an interrupted bootstrap; adopt it with TFSTATE_ADOPT=true (the state bucket and the lock table), or choose another name`,
      ]);
      expect((await aws.kms.send(new ListKeysCommand({}))).Keys).toEqual([]);
      await aws.s3.send(new DeleteBucketCommand({ Bucket: logBucket }));

      const killed = npmRun(dir, 'deploy', ['bootstrap'], env);
      await waitFor('the state bucket created', () => STATE_BUCKET_CREATED.test(killed.output()), 150_000, killed);
      for (const pid of [killed.npm.pid!, ...descendants(killed.npm.pid!).keys()]) process.kill(pid, 'SIGKILL');
      await killed.done;
      const stateFile = join(dir, 'terraform.bootstrap.tfstate');
      process.stdout.write(
        `after the kill: ${existsSync(stateFile) ? `${statSync(stateFile).size} bytes of state` : 'no state file'}; keys ${JSON.stringify(await keys(scenario))}\n`,
      );
      // Terraform rewrites the file after each resource: a kill during a write leaves it empty (the filed
      // measurement), which the 100 ms poll above rarely hits. Made so, the re-run has every resource to take over.
      writeFileSync(stateFile, '');
      // What a killed run may also leave: a key of ours whose alias was never created, and a key of someone else.
      const tags = [
        { TagKey: 'ManagedBy', TagValue: 'tfstate-backend' },
        { TagKey: 'StateBucket', TagValue: config.bucket },
      ];
      const stray = (await aws.kms.send(new CreateKeyCommand({ Tags: tags }))).KeyMetadata!.KeyId!;
      const foreign = (
        await aws.kms.send(new CreateKeyCommand({ Tags: [{ TagKey: 'StateBucket', TagValue: config.bucket }] }))
      ).KeyMetadata!.KeyId!;

      const rerun = npmRun(dir, 'deploy', ['bootstrap'], env);
      const code = await rerun.done;
      process.stdout.write(
        `${rerun
          .output()
          .split('\n')
          .filter((line) => line.startsWith('==> '))
          .join('\n')}\n`,
      );
      expect({
        code,
        errors: rerun
          .output()
          .split('\n')
          .filter((line) => line.startsWith('error: ')),
      }).toEqual({ code: 0, errors: [] });
      expect(rerun.output()).toMatch(
        /==> aws_s3_bucket\.state-bucket_828F7150: \S+ exists with this project's tags \(created by an interrupted run\): imported/,
      );
      expect(rerun.output()).toContain(
        `==> KMS key ${stray} is tagged for ${config.bucket} and in no state (created by an interrupted run): deletion scheduled in 7 days`,
      );

      const synthesized = JSON.parse(
        readFileSync(join(dir, 'cdktf.out', 'stacks', 'bootstrap', 'cdk.tf.json'), 'utf8'),
      ) as { resource: Record<string, object> };
      const declared = Object.values(synthesized.resource).reduce(
        (count, resources) => count + Object.keys(resources).length,
        0,
      );
      const listed = expectSuccess(await scenario.terraform('bootstrap', ['state', 'list']), 'terraform state list')
        .output.split('\n')
        .filter((line) => /^aws_/.test(line));
      expect(listed).toHaveLength(declared);
      expect(declared).toBe(18);
      expect(((await aws.s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name).sort()).toEqual([
        config.bucket,
        logBucket,
      ]);
      expect((await aws.dynamodb.send(new ListTablesCommand({}))).TableNames).toEqual(['terraform-locks']);
      expect(
        ((await aws.iam.send(new ListPoliciesCommand({ Scope: 'Local' }))).Policies ?? [])
          .map((p) => p.PolicyName)
          .sort(),
      ).toEqual(['kops', 'read-only', 'read-write'].map((level) => `${config.bucket}-state-${level}`));
      const after = await keys(scenario);
      const enabledOurs = after.filter((key) => key.ours && key.state === 'Enabled');
      expect(enabledOurs).toHaveLength(1);
      const alias = ((await aws.kms.send(new ListAliasesCommand({}))).Aliases ?? []).find(
        (a) => a.AliasName === config.kmsAlias,
      );
      expect(alias?.TargetKeyId).toBe(enabledOurs[0].id);
      expect(after.find((key) => key.id === stray)?.state).toBe('PendingDeletion');
      expect(after.find((key) => key.id === foreign)?.state).toBe('Enabled');
      expect(statSync(stateFile).mode & 0o777).toBe(0o600);

      // The local state lost altogether (a deleted file, a new machine): every named resource is taken over, the
      // key through its alias, and no key of ours is scheduled for deletion.
      rmSync(stateFile);
      const again = npmRun(dir, 'deploy', ['bootstrap'], env);
      expect(await again.done).toBe(0);
      const imported = again
        .output()
        .split('\n')
        .filter((line) => / exists with this project's tags \(created by an interrupted run\): imported/.test(line));
      expect(imported.map((line) => line.split(':')[0]).sort()).toEqual([
        '==> aws_dynamodb_table.lock-table_D28631D7',
        '==> aws_iam_policy.access-policies_kops_48C07C40',
        '==> aws_iam_policy.access-policies_read-only_620F8F00',
        '==> aws_iam_policy.access-policies_read-write_802B295F',
        '==> aws_kms_alias.state-key_alias_63E2A9D5',
        '==> aws_kms_key.state-key_753BFC90',
        '==> aws_s3_bucket.log-bucket_38F5EEF0',
        '==> aws_s3_bucket.state-bucket_828F7150',
      ]);
      expect(again.output()).not.toContain('deletion scheduled');
      expect((await keys(scenario)).filter((key) => key.ours && key.state === 'Enabled').map((key) => key.id)).toEqual([
        enabledOurs[0].id,
      ]);
      expect(
        await scenario
          .terraform('bootstrap', ['state', 'list'])
          .then((r) => r.output.split('\n').filter((line) => /^aws_/.test(line)).length),
      ).toBe(18);

      expectSuccess(await scenario.cdktf('deploy', ['app']), 'deploy app');
    });
  }, 420_000);
});
