// LogBucket: the access-log target that grants its own delivery, built in a fresh stack per test.
import { Aspects } from 'cdktf';
import { LogBucket, type LogBucketProps } from '../constructs/log-bucket';
import { PrivateBucket } from '../constructs/private-bucket';
import { EmulatorLimits } from '../stacks/emulator';
import { statementsOf, synthResources } from './helpers';

const LOGS_REF = '${aws_s3_bucket.logs_bucket_5A22438C.id}';
const DELIVERY = {
  Sid: 'S3ServerAccessLogDelivery',
  Effect: 'Allow',
  Principal: { Service: 'logging.s3.amazonaws.com' },
  Action: 's3:PutObject',
  Resource: 'arn:aws:s3:::team-logs/s3/team-bucket/*',
  Condition: {
    ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::team-bucket' },
    StringEquals: { 'aws:SourceAccount': '111122223333' },
  },
};
const TLS_DENY = {
  Sid: 'DenyInsecureTransport',
  Effect: 'Deny',
  Principal: '*',
  Action: 's3:*',
  Resource: ['arn:aws:s3:::team-logs', 'arn:aws:s3:::team-logs/*'],
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
};

/** A log bucket `logs` and a private bucket `private` that logs to it under s3/team-bucket/ (optionally on an emulator). */
function synthLogging(props: Partial<LogBucketProps> = {}, emulator = false) {
  return synthResources((scope) => {
    if (emulator) Aspects.of(scope).add(new EmulatorLimits());
    const logs = new LogBucket(scope, 'logs', {
      bucketName: 'team-logs',
      region: 'us-east-1',
      accountId: '111122223333',
      expirationDays: 365,
      ...props,
    });
    new PrivateBucket(scope, 'private', {
      bucketName: 'team-bucket',
      region: 'us-east-1',
      serverAccessLogs: { target: logs, prefix: 's3/team-bucket/' },
    });
  });
}

describe('LogBucket', () => {
  test('grants log delivery for the source bucket, its account and prefix only, next to the TLS deny', () => {
    expect(synthLogging().aws_s3_bucket_policy.logs_policy_7361357F).toEqual({
      bucket: LOGS_REF,
      depends_on: ['aws_s3_bucket_public_access_block.logs_public-access_B94128AE'],
      policy: JSON.stringify({ Version: '2012-10-17', Statement: [TLS_DENY, DELIVERY] }),
    });
  });
  test("the source's logging goes to the log bucket under the prefix, switched on only after the grant", () => {
    expect(synthLogging().aws_s3_bucket_logging['private_access-logs_6E824584']).toEqual({
      bucket: '${aws_s3_bucket.private_bucket_2ABCB84F.id}',
      depends_on: ['aws_s3_bucket_policy.logs_policy_7361357F'],
      target_bucket: LOGS_REF,
      target_prefix: 's3/team-bucket/',
    });
  });
  test('logs (current and noncurrent) expire after the given days; stale uploads abort after 7', () => {
    expect(synthLogging({ expirationDays: 30 }).aws_s3_bucket_lifecycle_configuration.logs_lifecycle_D0C871FB).toEqual({
      bucket: LOGS_REF,
      depends_on: ['aws_s3_bucket_versioning.logs_versioning_51AE32FF'],
      rule: [
        {
          id: 'expire-access-logs',
          status: 'Enabled',
          filter: [{}],
          expiration: [{ days: 30 }],
          noncurrent_version_expiration: [{ noncurrent_days: 30 }],
          abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
        },
      ],
    });
  });
  test('S3-managed encryption (the only one log delivery writes to)', () => {
    expect(synthLogging().aws_s3_bucket_server_side_encryption_configuration.logs_encryption_22B51FEE).toEqual({
      bucket: LOGS_REF,
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } }],
    });
  });
  test('protected by default; released, it may be deleted with the logs that keep arriving in it', () => {
    expect(synthLogging().aws_s3_bucket.logs_bucket_5A22438C).toEqual({
      bucket: 'team-logs',
      force_destroy: false,
      lifecycle: { prevent_destroy: true },
    });
    expect(synthLogging({ preventDestroy: false }).aws_s3_bucket.logs_bucket_5A22438C).toEqual({
      bucket: 'team-logs',
      force_destroy: true,
      lifecycle: { prevent_destroy: false },
    });
  });
  test('on an emulator the policy holds only the delivery grant, still before logging', () => {
    const resources = synthLogging({}, true);
    expect(statementsOf(resources.aws_s3_bucket_policy.logs_policy_7361357F)).toEqual([DELIVERY]);
    expect(resources.aws_s3_bucket_logging['private_access-logs_6E824584'].depends_on).toEqual([
      'aws_s3_bucket_policy.logs_policy_7361357F',
    ]);
  });
  test('a second source is refused: one delivery statement per policy', () => {
    expect(() =>
      synthResources((scope) => {
        const logs = new LogBucket(scope, 'logs', {
          bucketName: 'team-logs',
          region: 'us-east-1',
          accountId: '111122223333',
          expirationDays: 365,
        });
        logs.grantLogDelivery('arn:aws:s3:::one', 'one/');
        logs.grantLogDelivery('arn:aws:s3:::two', 'two/');
      }),
    ).toThrow(new Error('stack/logs: already receives the logs of another bucket'));
  });
});
