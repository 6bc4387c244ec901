// One profile of what the target can do decides what the constructs leave out and what the warnings say.

import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, Testing } from 'cdktf';
import { EMULATOR, REAL_AWS, targetProfile, targetWarnings } from '../config/target';
import { StateBucket } from '../constructs/state-bucket';
import { configFrom, dirWithConfig } from './helpers';

/** The state bucket alone in a fresh stack, synthesized for a target. */
function stateBucketResources(target?: typeof REAL_AWS): Record<string, Record<string, unknown>> {
  const stack = new TerraformStack(Testing.app(), 'test');
  new AwsProvider(stack, 'aws', { region: 'us-east-1' });
  new StateBucket(stack, 'state-bucket', {
    bucketName: 'tfstate-test',
    region: 'us-east-1',
    kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    uploadKey: {
      keyArn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
      aliasArn: 'arn:aws:kms:us-east-1:123456789012:alias/tfstate-test',
      aliasName: 'alias/tfstate-test',
      ownerAccountId: '123456789012',
    },
    noncurrentVersionDays: 90,
    target,
  });
  return (JSON.parse(Testing.synth(stack)) as { resource: Record<string, Record<string, unknown>> }).resource;
}

const policySids = (resources: Record<string, Record<string, unknown>>): string[] => {
  const policy = resources.aws_s3_bucket_policy?.['state-bucket_policy_7580CD97'] as { policy: string } | undefined;
  return policy
    ? (JSON.parse(policy.policy) as { Statement: { Sid: string }[] }).Statement.map((statement) => statement.Sid)
    : [];
};

test('an endpoint means the emulator profile, none means real AWS', () => {
  expect(targetProfile({ endpoint: undefined })).toEqual({
    conditionalDenies: true,
    eventNotifications: true,
    lifecycleRules: true,
    replicationSseKmsSelection: true,
  });
  expect(targetProfile({ endpoint: 'http://127.0.0.1:5000' })).toEqual({
    conditionalDenies: false,
    eventNotifications: false,
    lifecycleRules: false,
    replicationSseKmsSelection: false,
  });
});

test('real AWS (the default) gets the denies, the notifications and the lifecycle rules on the state bucket', () => {
  const resources = stateBucketResources();
  expect(policySids(resources)).toEqual([
    'DenyInsecureTransport',
    'DenyUploadsNotSseKms',
    'DenyUploadsWithOtherKmsKeys',
    'DenyOtherAccountsUploadsNotNamingKeyArn',
    'DenyUploadsWithAwsManagedKey',
    'DenyUploadsWithCustomerKeys',
  ]);
  expect(Object.keys(resources.aws_s3_bucket_notification ?? {})).toEqual(['state-bucket_events_250588DB']);
  expect(Object.keys(resources.aws_s3_bucket_lifecycle_configuration ?? {})).toEqual([
    'state-bucket_lifecycle_C2B75840',
  ]);
});

test('the emulator profile leaves exactly those out, and nothing else', () => {
  const real = stateBucketResources(REAL_AWS);
  const emulator = stateBucketResources(EMULATOR);
  expect(policySids(emulator)).toEqual([]);
  expect(emulator.aws_s3_bucket_notification).toBeUndefined();
  expect(emulator.aws_s3_bucket_lifecycle_configuration).toBeUndefined();
  const others = (resources: Record<string, Record<string, unknown>>) =>
    Object.keys(resources).filter(
      (type) =>
        !['aws_s3_bucket_policy', 'aws_s3_bucket_notification', 'aws_s3_bucket_lifecycle_configuration'].includes(type),
    );
  expect(others(emulator)).toEqual(others(real));
});

test('one warning per feature left out, replication only when configured', () => {
  expect(targetWarnings({ endpoint: undefined, replica: undefined, origins: {} })).toEqual([]);
  const lines = targetWarnings({
    endpoint: 'http://127.0.0.1:5000',
    replica: { region: 'us-west-2', bucket: 'tfstate-test-replica' } as never,
    origins: { endpoint: 'AWS_ENDPOINT_URL' },
  });
  expect(lines).toEqual([
    expect.stringMatching(
      /^warning: AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:5000: the bucket policies' conditional deny statements .* are left out, .*; real AWS keeps them\.$/,
    ),
    expect.stringMatching(
      /^warning: AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:5000: the buckets' EventBridge notifications are left out, .*; real AWS keeps them\.$/,
    ),
    expect.stringMatching(
      /^warning: AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:5000: the buckets' lifecycle configurations .* are left out, .*; real AWS keeps them\.$/,
    ),
    expect.stringMatching(
      /^warning: AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:5000: replication to us-west-2 is configured without its SSE-KMS source selection, /,
    ),
  ]);
  expect(
    targetWarnings({
      endpoint: 'http://127.0.0.1:5000',
      replica: undefined,
      origins: { endpoint: 'AWS_ENDPOINT_URL' },
    }),
  ).toHaveLength(3);
  expect(
    targetWarnings(
      { endpoint: 'http://127.0.0.1:5000', replica: undefined, origins: { endpoint: 'AWS_ENDPOINT_URL' } },
      { ...EMULATOR, eventNotifications: true },
    ),
  ).toHaveLength(2);
});

test('a warning names the source the endpoint really came from: the file key, or the variable', () => {
  const fromFile = targetWarnings(configFrom({}, dirWithConfig({ endpoint: 'http://localhost:4566' })));
  expect(fromFile[0]).toMatch(
    /^warning: tfstate\.config\.json: endpoint=http:\/\/localhost:4566: the bucket policies' conditional deny statements /,
  );
  const fromEnv = targetWarnings(
    configFrom({ AWS_ENDPOINT_URL: 'http://localhost:4566' }, dirWithConfig({ endpoint: 'http://127.0.0.1:1' })),
  );
  expect(fromEnv[0]).toMatch(
    /^warning: AWS_ENDPOINT_URL=http:\/\/localhost:4566: the bucket policies' conditional deny statements /,
  );
});
