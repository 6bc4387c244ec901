// What an emulator cannot do is taken out in one place (EmulatorLimits, an aspect on the stack); the same reasons
// make the command's warnings and the constructs' annotations.

import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Aspects, TerraformStack, Testing } from 'cdktf';
import { PrivateBucket, type PrivateBucketProps } from '../constructs/private-bucket';
import { StateBucket } from '../constructs/state-bucket';
import { EmulatorLimits, emulatorWarnings } from '../stacks/emulator';
import { configFrom, dirWithConfig, synthAll, synthResources } from './helpers';

const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const UPLOAD_KEY = {
  keyArn: KEY_ARN,
  keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
  aliasArn: 'arn:aws:kms:us-east-1:123456789012:alias/tfstate-test',
  aliasName: 'alias/tfstate-test',
  ownerAccountId: '123456789012',
};

/** The state bucket alone in a fresh stack, synthesized for real AWS or with the emulator's limits. */
function stateBucketResources(emulator: boolean): Record<string, Record<string, unknown>> {
  const stack = new TerraformStack(Testing.app(), 'test');
  new AwsProvider(stack, 'aws', { region: 'us-east-1' });
  new StateBucket(stack, 'state-bucket', {
    bucketName: 'tfstate-test',
    region: 'us-east-1',
    kmsKeyArn: KEY_ARN,
    uploadKey: UPLOAD_KEY,
    noncurrentVersionDays: 90,
  });
  if (emulator) Aspects.of(stack).add(new EmulatorLimits());
  return (JSON.parse(Testing.synth(stack)) as { resource: Record<string, Record<string, unknown>> }).resource;
}

const policySids = (resources: Record<string, Record<string, unknown>>): string[] => {
  const policy = resources.aws_s3_bucket_policy?.['state-bucket_policy_7580CD97'] as { policy: string } | undefined;
  return policy
    ? (JSON.parse(policy.policy) as { Statement: { Sid: string }[] }).Statement.map((statement) => statement.Sid)
    : [];
};

/** A PrivateBucket `private` in a fresh stack with the emulator's limits. */
function emulatedBucket(props: Partial<PrivateBucketProps> = {}) {
  return synthResources((scope) => {
    new PrivateBucket(scope, 'private', { bucketName: 'team-bucket', region: 'us-east-1', ...props });
    Aspects.of(scope).add(new EmulatorLimits());
  });
}

test('real AWS (no aspect) gets the denies, the notifications and the lifecycle rules on the state bucket', () => {
  const resources = stateBucketResources(false);
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

test('the emulator leaves exactly those out, and nothing else', () => {
  const real = stateBucketResources(false);
  const emulator = stateBucketResources(true);
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

test('a bucket with lifecycle rules and upload denies keeps only its hardening: no lifecycle, events or policy', () => {
  const resources = emulatedBucket({
    encryption: { kind: 'kms', keyArn: KEY_ARN, uploadKey: UPLOAD_KEY },
    lifecycleRules: [{ id: 'r', expirationDays: 1 }],
  });
  expect(Object.keys(resources).sort()).toEqual([
    'aws_s3_bucket',
    'aws_s3_bucket_ownership_controls',
    'aws_s3_bucket_public_access_block',
    'aws_s3_bucket_server_side_encryption_configuration',
    'aws_s3_bucket_versioning',
  ]);
});

test('statements the emulator can take still make a policy, without the conditional denies', () => {
  const grant = {
    Sid: 'Grant',
    Effect: 'Allow' as const,
    Principal: { AWS: 'arn:aws:iam::444455556666:root' },
    Action: 's3:GetObject',
    Resource: 'arn:aws:s3:::team-bucket/*',
  };
  const resources = emulatedBucket({
    encryption: { kind: 'kms', keyArn: KEY_ARN, uploadKey: UPLOAD_KEY },
    policyStatements: [grant],
  });
  expect(resources.aws_s3_bucket_policy.private_policy_09771A32).toEqual({
    bucket: '${aws_s3_bucket.private_bucket_2ABCB84F.id}',
    depends_on: ['aws_s3_bucket_public_access_block.private_public-access_4B0814AD'],
    policy: JSON.stringify({ Version: '2012-10-17', Statement: [grant] }),
  });
});

describe('annotations (in the manifest next to the stack)', () => {
  function warnings(emulator: boolean): unknown[] {
    const stack = new TerraformStack(Testing.app(), 'test');
    const bucket = new PrivateBucket(stack, 'private', { bucketName: 'team-bucket', region: 'us-east-1' });
    if (emulator) Aspects.of(stack).add(new EmulatorLimits());
    Testing.synth(stack);
    return bucket.node.metadata.filter((entry) => entry.type === '@cdktf/warn').map((entry) => entry.data);
  }
  test('each thing the emulator leaves out is named on the bucket', () => {
    expect(warnings(true)).toEqual([
      expect.stringMatching(
        /^the bucket policies' conditional deny statements .* are left out, because emulators such as moto/,
      ),
      expect.stringMatching(
        /^the buckets' EventBridge notifications are left out, because moto does not read them back/,
      ),
      expect.stringMatching(/^the buckets' lifecycle configurations .* are left out, because AWS provider 5.100 waits/),
    ]);
  });
  test('real AWS: no warning', () => {
    expect(warnings(false)).toEqual([]);
  });
});

test('one warning per thing left out, replication only when configured', () => {
  expect(emulatorWarnings({ endpoint: undefined, replica: undefined, origins: {} })).toEqual([]);
  const lines = emulatorWarnings({
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
    emulatorWarnings({
      endpoint: 'http://127.0.0.1:5000',
      replica: undefined,
      origins: { endpoint: 'AWS_ENDPOINT_URL' },
    }),
  ).toHaveLength(3);
});

test('a warning names the source the endpoint really came from: the file key, or the variable', () => {
  const fromFile = emulatorWarnings(configFrom({}, dirWithConfig({ endpoint: 'http://localhost:4566' })));
  expect(fromFile[0]).toMatch(
    /^warning: tfstate\.config\.json: endpoint=http:\/\/localhost:4566: the bucket policies' conditional deny statements /,
  );
  const fromEnv = emulatorWarnings(
    configFrom({ AWS_ENDPOINT_URL: 'http://localhost:4566' }, dirWithConfig({ endpoint: 'http://127.0.0.1:1' })),
  );
  expect(fromEnv[0]).toMatch(
    /^warning: AWS_ENDPOINT_URL=http:\/\/localhost:4566: the bucket policies' conditional deny statements /,
  );
});

test('replication on the emulator: the same rule without its SSE-KMS source selection', () => {
  const emulated = synthAll({
    AWS_ENDPOINT_URL: 'http://127.0.0.1:5000',
    TFSTATE_REPLICA_REGION: 'eu-west-1',
  }).bootstrap;
  const real = synthAll({ TFSTATE_REPLICA_REGION: 'eu-west-1' }).bootstrap;
  const rule = (stack: typeof real) =>
    (
      stack.json.resource.aws_s3_bucket_replication_configuration.replication_configuration_8CE400A3.rule as object[]
    )[0];
  expect(rule(real)).toMatchObject({ source_selection_criteria: { sse_kms_encrypted_objects: { status: 'Enabled' } } });
  const { source_selection_criteria: _selection, ...kept } = rule(real) as Record<string, unknown>;
  expect(rule(emulated)).toEqual(kept);
});
