import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  GetItemCommand,
  ListTagsOfResourceCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand, ListAliasesCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  GetBucketLoggingCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { digestLockId } from '../../config/naming';
import { ADOPT_REFUSED } from '../../constructs/adoption';
import { bucketExists, listStateVersions } from '../../ops/bucket';
import { md5Hex } from '../../ops/lock-table';
import { awsClients } from '../../scripts/lib/aws';
import { cdktfBin } from '../../scripts/lib/cdktf';
import { adoptRefusals } from '../../scripts/lib/diagnose';
import { run } from '../../scripts/lib/run';
import { expectSuccess, type Scenario, withScenario } from './harness';

const LINEAGE = '8d1b6f0e-5b8a-4c39-9d6e-2f4a7c1e9b30';

/** A state as Terraform 1.11 writes it, empty but for its serial: what a hand-made backend already holds. */
function stateText(serial: number): string {
  return `${JSON.stringify({ version: 4, terraform_version: '1.11.4', serial, lineage: LINEAGE, outputs: {}, resources: [], check_results: null }, null, 2)}\n`;
}

/** The tutorial's console steps as SDK calls: a bucket (versioning switched on when `versioned`), nothing else. */
async function handMadeBucket(s3: S3Client, bucket: string, region: string, versioned: boolean): Promise<void> {
  await s3.send(
    new CreateBucketCommand({
      Bucket: bucket,
      ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
    }),
  );
  if (versioned)
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
}

/**
 * The blog's `aws dynamodb create-table` (provisioned 1/1) with the given hash key, or the tutorial's table
 * (on demand). The adopted table is the tutorial's: moto keeps reporting a provisioned table's throughput after
 * a switch to on-demand (AWS reports 0), which the AWS provider then refuses in every later plan.
 */
async function handMadeTable(
  scenario: Scenario,
  table: string,
  hashKey = 'LockID',
  billing: 'provisioned' | 'on demand' = 'provisioned',
): Promise<void> {
  await scenario.aws.dynamodb.send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [{ AttributeName: hashKey, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: hashKey, KeyType: 'HASH' }],
      ...(billing === 'provisioned'
        ? { ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } }
        : { BillingMode: 'PAY_PER_REQUEST' as const }),
    }),
  );
}

/** What a refused adoption must not have done: no key, no alias, no log bucket, the bucket and table as they were. */
async function expectNothingWritten(scenario: Scenario, bucket: string, table: string | undefined): Promise<void> {
  const { aws } = scenario;
  expect((await aws.kms.send(new ListKeysCommand({}))).Keys ?? []).toEqual([]);
  expect(await bucketExists(aws.s3, `${bucket}-logs`)).toBe(false);
  if (await bucketExists(aws.s3, bucket)) {
    await expect(aws.s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).rejects.toThrow();
    await expect(aws.s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }))).rejects.toThrow();
  }
  if (table !== undefined) {
    const described = await aws.dynamodb.send(new DescribeTableCommand({ TableName: table })).catch(() => undefined);
    if (described) expect(described.Table!.BillingModeSummary?.BillingMode ?? 'PROVISIONED').toBe('PROVISIONED');
  }
  const localState = join(scenario.dir, 'terraform.bootstrap.tfstate');
  if (existsSync(localState)) expect(JSON.parse(readFileSync(localState, 'utf8')).resources).toEqual([]);
}

describe('adopting a hand-made bucket and table (TFSTATE_ADOPT=true)', () => {
  test('refusals: each stops the plan with its one line, and nothing is written to AWS', async () => {
    await withScenario('adopt refusals', {}, async (scenario) => {
      const { aws } = scenario;
      // The deploy command (one line per reason) for the first case; then, to keep the suite short, the same
      // synthesized stack applied by Terraform directly, its output read by the command's own parser.
      const refused = async (
        settings: Record<string, string>,
        messages: readonly RegExp[],
        bucket: string,
        table: string,
        through: 'deploy command' | 'terraform apply',
      ) => {
        const all = { TFSTATE_ADOPT: 'true', ...settings };
        let lines: string[];
        if (through === 'deploy command') {
          const result = await scenario.command('deploy', ['bootstrap'], all);
          expect(result.code).toBe(1);
          lines = result.output
            .split('\n')
            .filter((line) => line.startsWith('error: cdktf deploy bootstrap: '))
            .map((line) => line.slice('error: cdktf deploy bootstrap: '.length));
        } else {
          expectSuccess(
            await run(cdktfBin(scenario.dir), ['synth'], {
              cwd: scenario.dir,
              env: { ...scenario.env, ...all },
              timeoutMs: 120_000,
            }),
            'cdktf synth',
          );
          expectSuccess(await scenario.terraform('bootstrap', ['init', '-input=false']), 'terraform init');
          const result = await scenario.terraform('bootstrap', ['apply', '-input=false', '-auto-approve', '-no-color']);
          expect(result.code).toBe(1);
          lines = adoptRefusals(result.output, bucket, 'us-east-1', ADOPT_REFUSED);
        }
        expect(lines).toHaveLength(messages.length);
        for (const message of messages)
          expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${message.source}`)));
        await expectNothingWritten(scenario, bucket, table);
      };

      // Each run trips two checks at once: Terraform reports every failed check of the plan.
      await handMadeBucket(awsClients('eu-west-1', scenario.endpoint).s3, 'state-elsewhere', 'eu-west-1', true);
      await handMadeTable(scenario, 'locks-wrong-key', 'id');
      await refused(
        { TFSTATE_BUCKET: 'state-elsewhere', TFSTATE_LOCK_TABLE: 'locks-wrong-key' },
        [
          /adopt refused: bucket "state-elsewhere" is in eu-west-1, not us-east-1; set TFSTATE_REGION=eu-west-1 \(the table and key must be in the bucket's region too\)$/,
          /adopt refused: table "locks-wrong-key" has the hash key "id"; Terraform's S3 backend needs the hash key LockID of type S \(string\) and no range key/,
        ],
        'state-elsewhere',
        'locks-wrong-key',
        'terraform apply',
      );

      await handMadeBucket(aws.s3, 'state-unversioned', 'us-east-1', false);
      await aws.s3.send(
        new PutObjectCommand({ Bucket: 'state-unversioned', Key: 'app/terraform.tfstate', Body: stateText(1) }),
      );
      await refused(
        { TFSTATE_BUCKET: 'state-unversioned', TFSTATE_LOCK_TABLE: 'locks-missing' },
        [
          /adopt refused: bucket "state-unversioned" is not versioned and holds objects; adopting would switch versioning on, which cannot be undone \(only suspended\): every object stays as its "null" version/,
          /adopt refused: table "locks-missing" does not exist in us-east-1/,
        ],
        'state-unversioned',
        'locks-missing',
        'terraform apply',
      );
      expect(
        (await aws.s3.send(new GetBucketVersioningCommand({ Bucket: 'state-unversioned' }))).Status,
      ).toBeUndefined();

      // A missing bucket: Terraform's own error is the failed read; the deploy command turns it into the refusal.
      await handMadeTable(scenario, 'locks-ok');
      await refused(
        { TFSTATE_BUCKET: 'state-missing', TFSTATE_LOCK_TABLE: 'locks-ok' },
        [/adopt refused: bucket "state-missing" does not exist in us-east-1; name the existing one/],
        'state-missing',
        'locks-ok',
        'deploy command',
      );
    });
  });

  test('a versioned bucket with two state versions and a digest, an on-demand table, an existing key: adopted, hardened, nothing lost', async () => {
    await withScenario('adopt', {}, async (scenario) => {
      const { config, aws, cdktf, terraform } = scenario;
      const table = config.lockTable!;
      await handMadeBucket(aws.s3, config.bucket, config.region, true);
      await handMadeTable(scenario, table, 'LockID', 'on demand');
      // Written as a tutorial user's Terraform wrote them: SSE-S3 (no KMS key yet), then the digest of the last.
      for (const serial of [1, 2]) {
        await aws.s3.send(
          new PutObjectCommand({
            Bucket: config.bucket,
            Key: config.stateKey,
            Body: stateText(serial),
            ServerSideEncryption: 'AES256',
          }),
        );
      }
      await aws.dynamodb.send(
        new PutItemCommand({
          TableName: table,
          Item: { LockID: { S: digestLockId(config.bucket, config.stateKey) }, Digest: { S: md5Hex(stateText(2)) } },
        }),
      );
      const before = await listStateVersions(aws.s3, config.bucket, config.stateKey);
      expect(before).toHaveLength(2);
      const keyArn = (await aws.kms.send(new CreateKeyCommand({ Description: 'made by hand' }))).KeyMetadata!.Arn!;

      const adopt = { TFSTATE_ADOPT: 'true', TFSTATE_KMS_KEY_ARN: keyArn, TFSTATE_TAGS: 'team=platform' };
      expectSuccess(await cdktf('deploy', ['bootstrap'], [], adopt), 'deploy bootstrap (adopt)');

      // The hardening is on the adopted bucket and table; the named key is used, no other key is made.
      expect((await aws.s3.send(new GetBucketVersioningCommand({ Bucket: config.bucket }))).Status).toBe('Enabled');
      const encryption = (await aws.s3.send(new GetBucketEncryptionCommand({ Bucket: config.bucket })))
        .ServerSideEncryptionConfiguration!.Rules![0];
      expect(encryption.ApplyServerSideEncryptionByDefault).toEqual({
        SSEAlgorithm: 'aws:kms',
        KMSMasterKeyID: keyArn,
      });
      expect(
        (await aws.s3.send(new GetPublicAccessBlockCommand({ Bucket: config.bucket }))).PublicAccessBlockConfiguration,
      ).toEqual({
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      });
      expect(
        (await aws.s3.send(new GetBucketOwnershipControlsCommand({ Bucket: config.bucket }))).OwnershipControls!
          .Rules![0].ObjectOwnership,
      ).toBe('BucketOwnerEnforced');
      expect(
        (await aws.s3.send(new GetBucketLoggingCommand({ Bucket: config.bucket }))).LoggingEnabled?.TargetBucket,
      ).toBe(config.logBucket);
      expect((await aws.kms.send(new ListKeysCommand({}))).Keys!.map((key) => key.KeyArn)).toEqual([keyArn]);
      const aliases = (await aws.kms.send(new ListAliasesCommand({}))).Aliases ?? [];
      expect(aliases.find((alias) => alias.AliasName === config.kmsAlias)?.TargetKeyId).toBe(
        keyArn.slice(keyArn.lastIndexOf('/') + 1),
      );
      const described = (await aws.dynamodb.send(new DescribeTableCommand({ TableName: table }))).Table!;
      expect(described.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
      expect(described.DeletionProtectionEnabled).toBe(true);
      // (moto does not apply UpdateTable's SSE change, so the table's encryption is not read back here)
      const backups = await aws.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: table }));
      expect(backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe(
        'ENABLED',
      );
      const tableTags =
        (await aws.dynamodb.send(new ListTagsOfResourceCommand({ ResourceArn: described.TableArn! }))).Tags ?? [];
      expect(tableTags).toEqual(
        expect.arrayContaining([
          { Key: 'team', Value: 'platform' },
          { Key: 'ManagedBy', Value: 'tfstate-backend' },
        ]),
      );

      // Objects and items untouched: both versions with their ids, the digest as it was.
      expect(await listStateVersions(aws.s3, config.bucket, config.stateKey)).toEqual(before);
      const digest = await aws.dynamodb.send(
        new GetItemCommand({ TableName: table, Key: { LockID: { S: digestLockId(config.bucket, config.stateKey) } } }),
      );
      expect(digest.Item?.Digest?.S).toBe(md5Hex(stateText(2)));
      // Converged: the one change a second plan still shows is the table's encryption, which moto's UpdateTable ignores.
      const replan = await terraform('bootstrap', ['plan', '-input=false', '-no-color']);
      expect(replan.output).toMatch(/Plan: 0 to add, 1 to change, 0 to destroy\./);
      expect(replan.output).toMatch(
        /# aws_dynamodb_table\.lock-table_[0-9A-F]{8} will be updated in-place[\s\S]*\+ server_side_encryption \{\n\s+\+ enabled\s+= true/,
      );

      // The app continues the existing state (same lineage, the SSE-S3 version read through its digest), then plans clean.
      expectSuccess(await cdktf('deploy', ['app'], [], adopt), 'deploy app on the existing state');
      const current = await aws.s3.send(new GetObjectCommand({ Bucket: config.bucket, Key: config.stateKey }));
      const continued = JSON.parse(await current.Body!.transformToString()) as { lineage: string; serial: number };
      expect(continued.lineage).toBe(LINEAGE);
      expect(continued.serial).toBeGreaterThan(2);
      expect((await terraform('app', ['plan', '-input=false', '-detailed-exitcode'])).code).toBe(0);
      const after = await listStateVersions(aws.s3, config.bucket, config.stateKey);
      expect(after.map((version) => version.versionId)).toEqual(
        expect.arrayContaining(before.map((version) => version.versionId)),
      );
      expect(after.length).toBeGreaterThan(2);
    });
  });
});
