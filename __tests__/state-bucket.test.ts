import { Testing } from 'cdktf';
import { LogBucket } from '../constructs/log-bucket';
import { StateBucket, type StateBucketProps } from '../constructs/state-bucket';
import { STATE_LIFECYCLE_RULES, synthAll } from './helpers';

const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const BUCKET_REF = '${aws_s3_bucket.state_bucket_803B4E61.id}';

type Resources = Record<string, Record<string, Record<string, unknown>>>;

/** Synthesizes one StateBucket with id `state` in a fresh stack (each test synthesizes what it asserts on). */
function synthBucket(props: Partial<StateBucketProps> = {}): Resources {
  const text = Testing.synthScope((scope) => {
    new StateBucket(scope, 'state', {
      bucketName: 'team-state',
      region: 'us-east-1',
      kmsKeyArn: KEY_ARN,
      noncurrentVersionDays: 90,
      ...props,
    });
  });
  return (JSON.parse(text) as { resource: Resources }).resource;
}

describe('StateBucket (one construct in a fresh stack)', () => {
  test('the bucket has the given name and cannot be destroyed', () => {
    expect(synthBucket().aws_s3_bucket.state_bucket_803B4E61).toEqual({
      bucket: 'team-state',
      lifecycle: { prevent_destroy: true },
    });
  });
  test('versioning is Enabled', () => {
    expect(synthBucket().aws_s3_bucket_versioning.state_versioning_27DF9ED5).toEqual({
      bucket: BUCKET_REF,
      versioning_configuration: { status: 'Enabled' },
    });
  });
  test('default encryption is aws:kms with the given key and the bucket key on', () => {
    expect(synthBucket().aws_s3_bucket_server_side_encryption_configuration.state_encryption_3FDA0990).toEqual({
      bucket: BUCKET_REF,
      rule: [
        {
          apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: KEY_ARN },
          bucket_key_enabled: true,
        },
      ],
    });
  });
  test('all four public-access blocks are on', () => {
    expect(synthBucket().aws_s3_bucket_public_access_block['state_public-access_20555841']).toEqual({
      bucket: BUCKET_REF,
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });
  test('ACLs are off: BucketOwnerEnforced', () => {
    expect(synthBucket().aws_s3_bucket_ownership_controls.state_ownership_D3E5679B).toEqual({
      bucket: BUCKET_REF,
      rule: { object_ownership: 'BucketOwnerEnforced' },
    });
  });
  test('lifecycle: noncurrent versions expire after 90 days, uploads abort after 7, expired delete markers go; after versioning', () => {
    expect(synthBucket().aws_s3_bucket_lifecycle_configuration.state_lifecycle_9EBA48F5).toEqual({
      bucket: BUCKET_REF,
      depends_on: ['aws_s3_bucket_versioning.state_versioning_27DF9ED5'],
      rule: STATE_LIFECYCLE_RULES,
    });
  });
  test('the noncurrent-version retention follows the prop', () => {
    const rule = (
      synthBucket({ noncurrentVersionDays: 30 }).aws_s3_bucket_lifecycle_configuration.state_lifecycle_9EBA48F5
        .rule as Record<string, unknown>[]
    )[0];
    expect(rule).toMatchObject({ noncurrent_version_expiration: [{ noncurrent_days: 30 }] });
  });
  test('object events go to EventBridge', () => {
    expect(synthBucket().aws_s3_bucket_notification.state_events_1EABDE5D).toEqual({
      bucket: BUCKET_REF,
      eventbridge: true,
    });
  });
  test('the TLS-only policy is written after the public-access block', () => {
    const policy = synthBucket().aws_s3_bucket_policy.state_policy_DB2E7E78;
    expect(policy.depends_on).toEqual(['aws_s3_bucket_public_access_block.state_public-access_20555841']);
    expect(JSON.parse(policy.policy as string)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: ['arn:aws:s3:::team-state', 'arn:aws:s3:::team-state/*'],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    });
  });
  test('access logs go to the given log bucket under the given prefix, switched on after its delivery grant', () => {
    const text = Testing.synthScope((scope) => {
      const logs = new LogBucket(scope, 'logs', {
        bucketName: 'team-logs',
        region: 'us-east-1',
        accountId: '111122223333',
        expirationDays: 365,
      });
      new StateBucket(scope, 'state', {
        bucketName: 'team-state',
        region: 'us-east-1',
        kmsKeyArn: KEY_ARN,
        noncurrentVersionDays: 90,
        serverAccessLogs: { target: logs, prefix: 's3/team-state/' },
      });
    });
    const resources = (JSON.parse(text) as { resource: Resources }).resource;
    expect(resources.aws_s3_bucket_logging['state_access-logs_CBC3E194']).toEqual({
      bucket: BUCKET_REF,
      depends_on: ['aws_s3_bucket_policy.logs_policy_7361357F'],
      target_bucket: '${aws_s3_bucket.logs_bucket_5A22438C.id}',
      target_prefix: 's3/team-state/',
    });
  });
});

describe('the state bucket in the bootstrap stack', () => {
  test('access logging is switched on only after the log bucket policy exists', () => {
    const logging = synthAll().bootstrap.json.resource.aws_s3_bucket_logging['state-bucket_access-logs_7B5F3336'];
    expect(logging).toEqual({
      bucket: '${aws_s3_bucket.state-bucket_828F7150.id}',
      depends_on: ['aws_s3_bucket_policy.log-bucket_policy_0ACE94FE'],
      target_bucket: '${aws_s3_bucket.log-bucket_38F5EEF0.id}',
      target_prefix: 's3-access/tfstate-0a1b2c3d4e5f-us-east-1/',
    });
  });
  test('object events go to EventBridge on real AWS', () => {
    expect(synthAll().bootstrap.json.resource.aws_s3_bucket_notification['state-bucket_events_250588DB']).toEqual({
      bucket: '${aws_s3_bucket.state-bucket_828F7150.id}',
      eventbridge: true,
    });
  });
  test('the bucket policy is written after the public-access block', () => {
    expect(synthAll().bootstrap.json.resource.aws_s3_bucket_policy['state-bucket_policy_7580CD97'].depends_on).toEqual([
      'aws_s3_bucket_public_access_block.state-bucket_public-access_A7F1B8BC',
    ]);
  });
  test('every resource is tagged through the provider: the project tags and TFSTATE_TAGS merged', () => {
    const { bootstrap } = synthAll({ TFSTATE_TAGS: 'team=platform,cost-center=42' });
    expect(bootstrap.json.provider.aws[0].default_tags).toEqual([
      {
        tags: {
          ManagedBy: 'tfstate-backend',
          StateBucket: 'tfstate-0a1b2c3d4e5f-us-east-1',
          team: 'platform',
          'cost-center': '42',
        },
      },
    ]);
  });
  test('without TFSTATE_TAGS the provider carries only the project tags', () => {
    expect(synthAll().bootstrap.json.provider.aws[0].default_tags).toEqual([
      { tags: { ManagedBy: 'tfstate-backend', StateBucket: 'tfstate-0a1b2c3d4e5f-us-east-1' } },
    ]);
  });
});
