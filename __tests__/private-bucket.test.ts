// PrivateBucket: the one construct that writes bucket hardening, built alone in a fresh stack per test.

import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { PrivateBucket, type PrivateBucketProps } from '../constructs/private-bucket';
import { statementsOf, synthResources } from './helpers';

const BUCKET_REF = '${aws_s3_bucket.private_bucket_2ABCB84F.id}';
const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const TLS_DENY = {
  Sid: 'DenyInsecureTransport',
  Effect: 'Deny',
  Principal: '*',
  Action: 's3:*',
  Resource: ['arn:aws:s3:::team-bucket', 'arn:aws:s3:::team-bucket/*'],
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
};
const UPLOAD_KEY = {
  keyArn: KEY_ARN,
  keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
  aliasArn: 'arn:aws:kms:us-east-1:111122223333:alias/team',
  aliasName: 'alias/team',
  ownerAccountId: '111122223333',
};

function synthBucket(props: Partial<PrivateBucketProps> = {}) {
  return synthResources((scope) => {
    new PrivateBucket(scope, 'private', { bucketName: 'team-bucket', region: 'us-east-1', ...props });
  });
}

describe('PrivateBucket defaults', () => {
  test('the bucket has the given name, cannot be destroyed, and leaves force_destroy unset', () => {
    expect(synthBucket().aws_s3_bucket.private_bucket_2ABCB84F).toEqual({
      bucket: 'team-bucket',
      lifecycle: { prevent_destroy: true },
    });
  });
  test('all four public-access blocks are on', () => {
    expect(synthBucket().aws_s3_bucket_public_access_block['private_public-access_4B0814AD']).toEqual({
      bucket: BUCKET_REF,
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });
  test('ACLs are off (BucketOwnerEnforced)', () => {
    expect(synthBucket().aws_s3_bucket_ownership_controls.private_ownership_CCBB4466).toEqual({
      bucket: BUCKET_REF,
      rule: { object_ownership: 'BucketOwnerEnforced' },
    });
  });
  test('versioning is Enabled', () => {
    expect(synthBucket().aws_s3_bucket_versioning.private_versioning_139B6FAD).toEqual({
      bucket: BUCKET_REF,
      versioning_configuration: { status: 'Enabled' },
    });
  });
  test('default encryption is S3-managed (AES256), without a bucket key', () => {
    expect(synthBucket().aws_s3_bucket_server_side_encryption_configuration.private_encryption_E9FDF319).toEqual({
      bucket: BUCKET_REF,
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } }],
    });
  });
  test('object events go to EventBridge', () => {
    expect(synthBucket().aws_s3_bucket_notification.private_events_4A20C8FA).toEqual({
      bucket: BUCKET_REF,
      eventbridge: true,
    });
  });
  test('the policy denies requests without TLS, written after the public-access block', () => {
    expect(synthBucket().aws_s3_bucket_policy.private_policy_09771A32).toEqual({
      bucket: BUCKET_REF,
      depends_on: ['aws_s3_bucket_public_access_block.private_public-access_4B0814AD'],
      policy: JSON.stringify({ Version: '2012-10-17', Statement: [TLS_DENY] }),
    });
  });
  test('no lifecycle configuration without rules, no access logging without a target', () => {
    expect(synthBucket()).not.toHaveProperty('aws_s3_bucket_lifecycle_configuration');
    expect(synthBucket()).not.toHaveProperty('aws_s3_bucket_logging');
  });
});

describe('PrivateBucket props', () => {
  test('KMS encryption: the given key with an S3 bucket key', () => {
    expect(
      synthBucket({ encryption: { kind: 'kms', keyArn: KEY_ARN } }).aws_s3_bucket_server_side_encryption_configuration
        .private_encryption_E9FDF319,
    ).toEqual({
      bucket: BUCKET_REF,
      rule: [
        {
          apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: KEY_ARN },
          bucket_key_enabled: true,
        },
      ],
    });
  });
  test('KMS encryption without an upload key: only the TLS deny', () => {
    expect(
      statementsOf(
        synthBucket({ encryption: { kind: 'kms', keyArn: KEY_ARN } }).aws_s3_bucket_policy.private_policy_09771A32,
      ),
    ).toEqual([TLS_DENY]);
  });
  test('an upload key adds the upload denies after the TLS deny, then the given statements', () => {
    const extra = {
      Sid: 'Extra',
      Effect: 'Allow' as const,
      Principal: { AWS: 'arn:aws:iam::444455556666:root' },
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::team-bucket/*',
    };
    const resources = synthBucket({
      encryption: { kind: 'kms', keyArn: KEY_ARN, uploadKey: UPLOAD_KEY },
      policyStatements: [extra],
    });
    expect(
      statementsOf(resources.aws_s3_bucket_policy.private_policy_09771A32).map((statement) => statement.Sid),
    ).toEqual([
      'DenyInsecureTransport',
      'DenyUploadsNotSseKms',
      'DenyUploadsWithOtherKmsKeys',
      'DenyOtherAccountsUploadsNotNamingKeyArn',
      'DenyUploadsWithAwsManagedKey',
      'DenyUploadsWithCustomerKeys',
      'Extra',
    ]);
  });
  test('lifecycle rules: every field mapped, one configuration written after versioning', () => {
    const resources = synthBucket({
      lifecycleRules: [
        {
          id: 'everything',
          expirationDays: 30,
          noncurrentVersionExpirationDays: 10,
          abortIncompleteMultipartUploads: true,
        },
        { id: 'markers', expiredObjectDeleteMarker: true },
        { id: 'bare' },
      ],
    });
    expect(resources.aws_s3_bucket_lifecycle_configuration.private_lifecycle_CCF70D6F).toEqual({
      bucket: BUCKET_REF,
      depends_on: ['aws_s3_bucket_versioning.private_versioning_139B6FAD'],
      rule: [
        {
          id: 'everything',
          status: 'Enabled',
          filter: [{}],
          expiration: [{ days: 30 }],
          noncurrent_version_expiration: [{ noncurrent_days: 10 }],
          abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
        },
        { id: 'markers', status: 'Enabled', filter: [{}], expiration: [{ expired_object_delete_marker: true }] },
        { id: 'bare', status: 'Enabled', filter: [{}] },
      ],
    });
  });
  test('an explicit false writes no delete-marker or abort clause', () => {
    const rule = (
      synthBucket({
        lifecycleRules: [{ id: 'r', expiredObjectDeleteMarker: false, abortIncompleteMultipartUploads: false }],
      }).aws_s3_bucket_lifecycle_configuration.private_lifecycle_CCF70D6F.rule as unknown[]
    )[0];
    expect(rule).toEqual({ id: 'r', status: 'Enabled', filter: [{}] });
  });
  test('preventDestroy false and forceDestroy true release the bucket', () => {
    expect(synthBucket({ preventDestroy: false, forceDestroy: true }).aws_s3_bucket.private_bucket_2ABCB84F).toEqual({
      bucket: 'team-bucket',
      force_destroy: true,
      lifecycle: { prevent_destroy: false },
    });
  });
  test('every resource is created with the given provider', () => {
    const resources = synthResources((scope) => {
      const provider = new AwsProvider(scope, 'replica', { region: 'us-west-2', alias: 'replica' });
      new PrivateBucket(scope, 'private', {
        bucketName: 'team-bucket',
        region: 'us-west-2',
        provider,
        lifecycleRules: [{ id: 'r', expirationDays: 1 }],
      });
    });
    const providers = Object.entries(resources).flatMap(([type, byId]) =>
      Object.entries(byId).map(([id, resource]) => [`${type}.${id}`, resource.provider]),
    );
    expect(providers).toEqual([
      ['aws_s3_bucket.private_bucket_2ABCB84F', 'aws.replica'],
      ['aws_s3_bucket_lifecycle_configuration.private_lifecycle_CCF70D6F', 'aws.replica'],
      ['aws_s3_bucket_notification.private_events_4A20C8FA', 'aws.replica'],
      ['aws_s3_bucket_ownership_controls.private_ownership_CCBB4466', 'aws.replica'],
      ['aws_s3_bucket_policy.private_policy_09771A32', 'aws.replica'],
      ['aws_s3_bucket_public_access_block.private_public-access_4B0814AD', 'aws.replica'],
      ['aws_s3_bucket_server_side_encryption_configuration.private_encryption_E9FDF319', 'aws.replica'],
      ['aws_s3_bucket_versioning.private_versioning_139B6FAD', 'aws.replica'],
    ]);
  });
});

describe('PrivateBucket.addToResourcePolicy', () => {
  const grant = {
    Sid: 'Grant',
    Effect: 'Allow' as const,
    Principal: { Service: 'logging.s3.amazonaws.com' },
    Action: 's3:PutObject',
    Resource: 'arn:aws:s3:::team-bucket/*',
  };
  test('a statement added after construction lands in the same policy, still after the public-access block', () => {
    let before: readonly unknown[] = [];
    let after: readonly unknown[] = [];
    const resources = synthResources((scope) => {
      const bucket = new PrivateBucket(scope, 'private', { bucketName: 'team-bucket', region: 'us-east-1' });
      before = [...bucket.policyStatements];
      bucket.addToResourcePolicy(grant);
      after = [...bucket.policyStatements];
    });
    expect(before).toEqual([TLS_DENY]);
    expect(after).toEqual([TLS_DENY, grant]);
    expect(resources.aws_s3_bucket_policy.private_policy_09771A32).toEqual({
      bucket: BUCKET_REF,
      depends_on: ['aws_s3_bucket_public_access_block.private_public-access_4B0814AD'],
      policy: JSON.stringify({ Version: '2012-10-17', Statement: [TLS_DENY, grant] }),
    });
  });
  test('appends to the existing policy, which is returned', () => {
    const resources = synthResources((scope) => {
      const bucket = new PrivateBucket(scope, 'private', { bucketName: 'team-bucket', region: 'us-east-1' });
      expect(bucket.addToResourcePolicy(grant)).toBe(bucket.addToResourcePolicy({ ...grant, Sid: 'Second' }));
    });
    expect(
      statementsOf(resources.aws_s3_bucket_policy.private_policy_09771A32).map((statement) => statement.Sid),
    ).toEqual(['DenyInsecureTransport', 'Grant', 'Second']);
  });
});
