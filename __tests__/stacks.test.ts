import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { Testing } from 'cdktf';
// Brings the type declarations of cdktf's jest matchers (toHaveResourceWithProperties, ...) into scope.
import 'cdktf/lib/testing/adapters/jest';
import { AWS_PROVIDER_PATH } from '../scripts/lib/terraform-config';
import { resourceOf, STATE_LIFECYCLE_RULES, type Synthesized, statementsOf, synthAll } from './helpers';

// Only this file uses cdktf's matchers: loading them costs every other test file about 0.35 s.
Testing.setupJest();

const EMULATOR = 'http://127.0.0.1:5000';

function backendOf(stack: Synthesized): Record<string, unknown> {
  return stack.json.terraform.backend.s3;
}

function bucketPolicy(
  stack: Synthesized,
  constructId = 'state-bucket',
): { Statement: Record<string, unknown>[] } | undefined {
  const policies = Object.entries(stack.json.resource.aws_s3_bucket_policy ?? {}).filter(([name]) =>
    name.startsWith(`${constructId}_`),
  );
  return policies.length === 0 ? undefined : JSON.parse(policies[0][1].policy as string);
}

const PIN_PLACEHOLDER = 'pinned by the provider package: asserted by the test on the mirror below';

/**
 * The stack with its provider requirement replaced by a placeholder: it is the prebuilt provider package's pin
 * (source and version), which differs between cdktf's and CDK Terrain's, so the snapshots hold for both.
 */
function pinFree(stack: Synthesized): unknown {
  return { ...stack.json, terraform: { ...stack.json.terraform, required_providers: PIN_PLACEHOLDER } };
}

// Each test synthesizes what it asserts on: a synth outside a test would make every mutant reach every test.
describe('snapshots (default config)', () => {
  test('bootstrap', () => expect(pinFree(synthAll().bootstrap)).toMatchSnapshot());
  test('app', () => expect(pinFree(synthAll().app)).toMatchSnapshot());
  test('only the two stacks', () => expect(Object.keys(synthAll()).sort()).toEqual(['app', 'bootstrap']));
  test('the stored snapshots hold no provider pin, so they pass on either toolchain', () => {
    const stored = readFileSync(join(__dirname, '__snapshots__', 'stacks.test.ts.snap'), 'utf8');
    expect(stored.match(/"required_providers": .*/g)).toEqual([
      `"required_providers": "${PIN_PLACEHOLDER}",`,
      `"required_providers": "${PIN_PLACEHOLDER}",`,
    ]);
    expect(stored).not.toContain(basename(AWS_PROVIDER_PATH));
  });
  test('every stack requires the AWS provider the mirror is searched for', () => {
    for (const stack of Object.values(synthAll())) {
      // "aws" and "hashicorp/aws" (CDK Terrain's) both name registry.terraform.io/hashicorp/aws.
      expect((stack.json.terraform as { required_providers?: unknown }).required_providers).toEqual({
        aws: { source: expect.stringMatching(/^(hashicorp\/)?aws$/), version: basename(AWS_PROVIDER_PATH) },
      });
    }
  });
});

describe('bootstrap is secure by default', () => {
  test('keeps its own state in a local file in the project root', () => {
    const { bootstrap } = synthAll();
    expect(bootstrap.json.terraform.backend).toEqual({ local: { path: '../../../terraform.bootstrap.tfstate' } });
  });
  // The state bucket's own resources by their logical ids: the log bucket has versioning, encryption and
  // ownership controls too, so "some resource of this type" would pass with the state bucket broken.
  const STATE_BUCKET_ID = '${aws_s3_bucket.state-bucket_828F7150.id}';
  test('the bucket resource carries only its name and protection: its tags come from the provider', () => {
    const { bootstrap } = synthAll();
    expect(bootstrap.json.resource.aws_s3_bucket['state-bucket_828F7150']).toEqual({
      bucket: 'tfstate-0a1b2c3d4e5f-us-east-1',
      lifecycle: { prevent_destroy: true },
    });
  });
  test('object events of the state bucket go to EventBridge', () => {
    const { bootstrap } = synthAll();
    expect(bootstrap.json.resource.aws_s3_bucket_notification['state-bucket_events_250588DB']).toEqual({
      bucket: STATE_BUCKET_ID,
      eventbridge: true,
    });
  });
  test('bucket is versioned', () => {
    const { bootstrap } = synthAll();
    expect(bootstrap.json.resource.aws_s3_bucket_versioning['state-bucket_versioning_933ED8BF']).toEqual({
      bucket: STATE_BUCKET_ID,
      versioning_configuration: { status: 'Enabled' },
    });
  });
  test('bucket is encrypted by default with the customer key and a bucket key', () => {
    const { bootstrap } = synthAll();
    expect(
      bootstrap.json.resource.aws_s3_bucket_server_side_encryption_configuration['state-bucket_encryption_09E6F87B'],
    ).toEqual({
      bucket: STATE_BUCKET_ID,
      rule: [
        {
          apply_server_side_encryption_by_default: {
            sse_algorithm: 'aws:kms',
            kms_master_key_id: '${aws_kms_key.state-key_753BFC90.arn}',
          },
          bucket_key_enabled: true,
        },
      ],
    });
  });
  test('all four public-access blocks are on', () => {
    const { bootstrap } = synthAll();
    expect(bootstrap.json.resource.aws_s3_bucket_public_access_block['state-bucket_public-access_A7F1B8BC']).toEqual({
      bucket: STATE_BUCKET_ID,
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });
  test('ACLs are off (BucketOwnerEnforced)', () => {
    const { bootstrap } = synthAll();
    expect(bootstrap.json.resource.aws_s3_bucket_ownership_controls['state-bucket_ownership_A4364906']).toEqual({
      bucket: STATE_BUCKET_ID,
      rule: { object_ownership: 'BucketOwnerEnforced' },
    });
  });
  test('the bucket policy denies every request without TLS', () => {
    expect(bucketPolicy(synthAll().bootstrap)?.Statement).toContainEqual({
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: ['arn:aws:s3:::tfstate-0a1b2c3d4e5f-us-east-1', 'arn:aws:s3:::tfstate-0a1b2c3d4e5f-us-east-1/*'],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
  });
  test('noncurrent versions expire and stale multipart uploads are aborted', () => {
    const { bootstrap } = synthAll();
    expect(bootstrap.json.resource.aws_s3_bucket_lifecycle_configuration['state-bucket_lifecycle_C2B75840']).toEqual({
      bucket: STATE_BUCKET_ID,
      // Expiring noncurrent versions needs versioning switched on first.
      depends_on: ['aws_s3_bucket_versioning.state-bucket_versioning_933ED8BF'],
      rule: STATE_LIFECYCLE_RULES,
    });
    const rule = (
      resourceOf(bootstrap, 'aws_s3_bucket_lifecycle_configuration', 'state-bucket_lifecycle').rule as Record<
        string,
        unknown
      >[]
    )[0];
    // Current state must never expire: only noncurrent versions may.
    expect(rule).not.toHaveProperty('expiration');
  });
  test('the retention is configurable', () => {
    const custom = synthAll({ TFSTATE_NONCURRENT_DAYS: '30' }).bootstrap;
    const rules = resourceOf(custom, 'aws_s3_bucket_lifecycle_configuration', 'state-bucket_lifecycle').rule as Record<
      string,
      unknown
    >[];
    expect(rules[0]).toMatchObject({
      id: 'expire-noncurrent-state-versions',
      noncurrent_version_expiration: [{ noncurrent_days: 30 }],
    });
  });
  test('the KMS key rotates and has the configured alias', () => {
    const { bootstrap } = synthAll();
    expect(bootstrap.json.resource.aws_kms_key['state-key_753BFC90']).toMatchObject({
      enable_key_rotation: true,
      deletion_window_in_days: 30,
    });
    expect(bootstrap.json.resource.aws_kms_alias['state-key_alias_63E2A9D5']).toMatchObject({
      name: 'alias/tfstate-0a1b2c3d4e5f-us-east-1',
      target_key_id: '${aws_kms_key.state-key_753BFC90.key_id}',
    });
  });
  test('the lock table has a LockID string hash key, on-demand billing, PITR, KMS encryption and deletion protection', () => {
    const { bootstrap } = synthAll();
    expect(bootstrap.json.resource.aws_dynamodb_table['lock-table_D28631D7']).toMatchObject({
      name: 'terraform-locks',
      hash_key: 'LockID',
      attribute: [{ name: 'LockID', type: 'S' }],
      billing_mode: 'PAY_PER_REQUEST',
      point_in_time_recovery: { enabled: true },
      server_side_encryption: { enabled: true, kms_key_arn: '${aws_kms_key.state-key_753BFC90.arn}' },
      deletion_protection_enabled: true,
    });
  });
  test('bucket, table, key and alias cannot be destroyed', () => {
    const { bootstrap } = synthAll();
    for (const type of ['aws_s3_bucket', 'aws_dynamodb_table', 'aws_kms_key', 'aws_kms_alias']) {
      for (const resource of Object.values(bootstrap.json.resource[type]))
        expect(resource.lifecycle).toEqual({ prevent_destroy: true });
    }
    for (const bucket of Object.values(bootstrap.json.resource.aws_s3_bucket))
      expect(bucket).not.toHaveProperty('force_destroy', true);
  });
  test('only the explicit teardown setting lifts the protections', () => {
    const released = synthAll({ TFSTATE_ALLOW_DESTROY: 'true' }).bootstrap;
    for (const type of ['aws_s3_bucket', 'aws_dynamodb_table', 'aws_kms_key', 'aws_kms_alias']) {
      for (const resource of Object.values(released.json.resource[type]))
        expect(resource.lifecycle).toEqual({ prevent_destroy: false });
    }
    expect(released.json.resource.aws_dynamodb_table['lock-table_D28631D7'].deletion_protection_enabled).toBe(false);
  });
  test('outputs the names and the ready backend settings', () => {
    const { bootstrap } = synthAll();
    expect(Object.keys(bootstrap.json.output).sort()).toEqual([
      'backend_config',
      'bucket',
      'kms_key_alias',
      'kms_key_arn',
      'kops_state_store',
      'lock_table',
      'log_bucket',
      'policy_kops_arn',
      'policy_read_only_arn',
      'policy_read_write_arn',
      'region',
      'replica_bucket',
    ]);
    expect(bootstrap.json.output.region.value).toBe('us-east-1');
    expect(bootstrap.json.output.backend_config.value).toEqual({
      bucket: 'tfstate-0a1b2c3d4e5f-us-east-1',
      key: 'app/terraform.tfstate',
      region: 'us-east-1',
      encrypt: true,
      kms_key_id: 'alias/tfstate-0a1b2c3d4e5f-us-east-1',
      dynamodb_table: 'terraform-locks',
    });
  });
});

describe('the app backend names exactly what bootstrap creates', () => {
  test.each([
    [
      {},
      {
        bucket: 'tfstate-0a1b2c3d4e5f-us-east-1',
        table: 'terraform-locks',
        alias: 'alias/tfstate-0a1b2c3d4e5f-us-east-1',
        region: 'us-east-1',
        key: 'app/terraform.tfstate',
      },
    ],
    [
      {
        TFSTATE_BUCKET: 'team-state',
        TFSTATE_REGION: 'eu-central-1',
        TFSTATE_LOCK_TABLE: 'team-locks',
        TFSTATE_KEY: 'net/terraform.tfstate',
      },
      {
        bucket: 'team-state',
        table: 'team-locks',
        alias: 'alias/team-state',
        region: 'eu-central-1',
        key: 'net/terraform.tfstate',
      },
    ],
    [
      { AWS_REGION: 'ap-southeast-2', TFSTATE_KMS_ALIAS: 'alias/team/state' },
      {
        bucket: 'tfstate-0a1b2c3d4e5f-ap-southeast-2',
        table: 'terraform-locks',
        alias: 'alias/team/state',
        region: 'ap-southeast-2',
        key: 'app/terraform.tfstate',
      },
    ],
  ])('%j', (env, expected) => {
    const { bootstrap, app } = synthAll(env as Record<string, string>);
    expect(backendOf(app)).toEqual({
      bucket: expected.bucket,
      key: expected.key,
      region: expected.region,
      encrypt: true,
      kms_key_id: expected.alias,
      dynamodb_table: expected.table,
    });
    expect(bootstrap.json.resource.aws_s3_bucket['state-bucket_828F7150'].bucket).toBe(expected.bucket);
    expect(bootstrap.json.resource.aws_dynamodb_table['lock-table_D28631D7'].name).toBe(expected.table);
    expect(bootstrap.json.resource.aws_kms_alias['state-key_alias_63E2A9D5'].name).toBe(expected.alias);
    expect(bootstrap.json.provider.aws[0]).toMatchObject({ region: expected.region });
  });
  test('the app holds a placeholder VPC, marked as such', () => {
    const { app } = synthAll();
    expect(app.text).toHaveResourceWithProperties(Vpc, {
      cidr_block: '10.0.0.0/16',
      tags: expect.objectContaining({ Name: 'app-placeholder' }),
    });
  });
});

describe('locking modes', () => {
  test('dynamodb (default): a table, dynamodb_table, no lockfile', () => {
    const { bootstrap, app } = synthAll({ TFSTATE_LOCKING: 'dynamodb' });
    expect(bootstrap.json.resource.aws_dynamodb_table['lock-table_D28631D7'].name).toBe('terraform-locks');
    expect(backendOf(app)).toMatchObject({ dynamodb_table: 'terraform-locks' });
    expect(backendOf(app)).not.toHaveProperty('use_lockfile');
  });
  test('s3: use_lockfile, no table anywhere', () => {
    const { bootstrap, app } = synthAll({ TFSTATE_LOCKING: 's3' });
    expect(bootstrap.text).not.toHaveResource(DynamodbTable);
    expect(bootstrap.json.output.lock_table.value).toBe('');
    expect(backendOf(app)).toMatchObject({ use_lockfile: true });
    expect(backendOf(app)).not.toHaveProperty('dynamodb_table');
  });
  test('both: the table and the lockfile, for migrating between them', () => {
    const { bootstrap, app } = synthAll({ TFSTATE_LOCKING: 'both' });
    expect(bootstrap.json.resource.aws_dynamodb_table['lock-table_D28631D7'].name).toBe('terraform-locks');
    expect(backendOf(app)).toMatchObject({ use_lockfile: true, dynamodb_table: 'terraform-locks' });
  });
});

describe('emulator switch (AWS_ENDPOINT_URL)', () => {
  const real = () => synthAll();
  const emulated = () => synthAll({ AWS_ENDPOINT_URL: EMULATOR });

  test('without it, nothing emulator-specific is synthesized', () => {
    for (const stack of Object.values(real())) {
      expect(stack.text).not.toMatch(/endpoint|path_style|skip_|access_key|secret_key/);
    }
  });
  test('the provider sends every service the project uses to the endpoint, path-style', () => {
    expect(emulated().bootstrap.text).toHaveProviderWithProperties(AwsProvider, {
      endpoints: [{ s3: EMULATOR, dynamodb: EMULATOR, kms: EMULATOR, iam: EMULATOR, sts: EMULATOR, ec2: EMULATOR }],
      // The emulator's credentials, never the caller's: an endpoint from the file may be any local listener.
      access_key: 'test',
      secret_key: 'test',
      s3_use_path_style: true,
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
    });
  });
  test('the backend points there too, with the skip-validation flags', () => {
    expect(backendOf(emulated().app)).toMatchObject({
      endpoints: { s3: EMULATOR, dynamodb: EMULATOR, iam: EMULATOR, sts: EMULATOR },
      access_key: 'test',
      secret_key: 'test',
      use_path_style: true,
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
      skip_metadata_api_check: true,
      skip_region_validation: true,
    });
  });
  test('the deny-without-TLS statement is left out (emulators ignore conditions), and only there', () => {
    expect(bucketPolicy(emulated().bootstrap)?.Statement ?? []).not.toContainEqual(
      expect.objectContaining({ Sid: 'DenyInsecureTransport' }),
    );
    expect(bucketPolicy(real().bootstrap)?.Statement).toContainEqual(
      expect.objectContaining({ Sid: 'DenyInsecureTransport' }),
    );
  });
  test('the lifecycle configuration (a 55 s provider wait, never run by emulators) is left out, and only there', () => {
    expect(emulated().bootstrap.text).not.toHaveResource(S3BucketLifecycleConfiguration);
    expect(real().bootstrap.json.resource.aws_s3_bucket_lifecycle_configuration).toHaveProperty([
      'state-bucket_lifecycle_C2B75840',
    ]);
    expect(real().bootstrap.json.resource.aws_s3_bucket_lifecycle_configuration).toHaveProperty([
      'log-bucket_lifecycle_56C1500A',
    ]);
  });
});

describe('bootstrap state in the bucket (phase 3)', () => {
  test('TFSTATE_BOOTSTRAP_BACKEND=s3 moves the bootstrap backend into the bucket under its own key', () => {
    const { bootstrap, app } = synthAll({ TFSTATE_BOOTSTRAP_BACKEND: 's3' });
    expect(backendOf(bootstrap)).toEqual({
      bucket: 'tfstate-0a1b2c3d4e5f-us-east-1',
      key: 'bootstrap/terraform.tfstate',
      region: 'us-east-1',
      encrypt: true,
      kms_key_id: 'alias/tfstate-0a1b2c3d4e5f-us-east-1',
      dynamodb_table: 'terraform-locks',
    });
    expect(backendOf(app).key).toBe('app/terraform.tfstate');
    expect(bootstrap.json.resource.aws_s3_bucket['state-bucket_828F7150'].bucket).toBe(
      'tfstate-0a1b2c3d4e5f-us-east-1',
    );
  });
});

describe('environments', () => {
  test('each environment gets its own app stack and state key; app stays the default', () => {
    const stacks = synthAll({ TFSTATE_ENVIRONMENTS: 'dev,prod' });
    expect(Object.keys(stacks).sort()).toEqual(['app', 'app-dev', 'app-prod', 'bootstrap']);
    expect(backendOf(stacks.app).key).toBe('app/terraform.tfstate');
    expect(backendOf(stacks['app-dev']).key).toBe('env/dev/terraform.tfstate');
    expect(backendOf(stacks['app-prod']).key).toBe('env/prod/terraform.tfstate');
    expect(backendOf(stacks['app-dev']).dynamodb_table).toBe('terraform-locks');
  });
  test('bootstrap is byte-identical with and without environments: adding one needs no bootstrap redeploy', () => {
    const crossAccount = {
      TFSTATE_CROSS_ACCOUNT_PRINCIPALS: 'arn:aws:iam::111122223333:role/terraform',
      TFSTATE_CROSS_ACCOUNT_READERS: '444455556666',
    };
    const without = synthAll(crossAccount).bootstrap.text;
    expect(synthAll({ ...crossAccount, TFSTATE_ENVIRONMENTS: 'dev,prod' }).bootstrap.text).toBe(without);
    // Not identical for want of the grant: the environments' keys are granted before any environment exists.
    const readWrite = statementsOf(
      resourceOf(synthAll(crossAccount).bootstrap, 'aws_iam_policy', 'access-policies_read-write'),
    );
    expect(readWrite.find((statement) => statement.Sid === 'ReadWriteState')?.Resource).toEqual([
      'arn:aws:s3:::tfstate-0a1b2c3d4e5f-us-east-1/app/terraform.tfstate',
      'arn:aws:s3:::tfstate-0a1b2c3d4e5f-us-east-1/env/*/terraform.tfstate',
    ]);
  });
});
