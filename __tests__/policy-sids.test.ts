// The statement ids of every policy the bootstrap stack deploys, written out per variant. A Sid is part of the
// deployed document: renaming one changes every deployed policy (and IAM wants them unique within one).
// Each test synthesizes its own variant, so each statement's builder is checked by the test that needs it.

import { ConfigError } from '../errors';
import { checkPolicySize, policySize } from '../iam/document';
import { resourceOf, type Synthesized, synthAll } from './helpers';

const sids = (stack: Synthesized, type: string, id: string, attribute = 'policy') =>
  (JSON.parse(resourceOf(stack, type, id)[attribute] as string) as { Statement: { Sid: string }[] }).Statement.map(
    (statement) => statement.Sid,
  );

/** The table's resource policy is a child of the stack itself: its logical id carries no hash. */
const tableSids = (stack: Synthesized) =>
  (
    JSON.parse(stack.json.resource.aws_dynamodb_resource_policy['lock-table-cross-account'].policy as string) as {
      Statement: { Sid: string }[];
    }
  ).Statement.map((statement) => statement.Sid);

const STATE_BUCKET_DENIES = [
  'DenyInsecureTransport',
  'DenyUploadsNotSseKms',
  'DenyUploadsWithOtherKmsKeys',
  'DenyOtherAccountsUploadsNotNamingKeyArn',
  'DenyUploadsWithAwsManagedKey',
  'DenyUploadsWithCustomerKeys',
];

test('no other account: the managed policies, and only the denies in the bucket policy', () => {
  const { bootstrap } = synthAll();
  expect(sids(bootstrap, 'aws_iam_policy', 'access-policies_read-write')).toEqual([
    'ListBucket',
    'ReadWriteState',
    'ReadWriteDeleteObjects',
    'DenyKeysDeeperThanGranted',
    'LockAndDigestItems',
    'UseStateKeyThroughS3',
  ]);
  expect(sids(bootstrap, 'aws_iam_policy', 'access-policies_read-only')).toEqual([
    'ListBucket',
    'ReadState',
    'DenyKeysDeeperThanGranted',
    'ReadStateDigests',
    'UseStateKeyThroughS3',
  ]);
  expect(sids(bootstrap, 'aws_iam_policy', 'access-policies_kops')).toEqual([
    'ListBucket',
    'ReadWriteDeleteObjects',
    'UseStateKeyThroughS3',
  ]);
  expect(sids(bootstrap, 'aws_s3_bucket_policy', 'state-bucket_policy')).toEqual(STATE_BUCKET_DENIES);
  expect(sids(bootstrap, 'aws_s3_bucket_policy', 'log-bucket_policy')).toEqual([
    'DenyInsecureTransport',
    'S3ServerAccessLogDelivery',
  ]);
  expect(sids(bootstrap, 'aws_kms_key', 'state-key')).toEqual(['AccountRootAndIamPolicies']);
  expect(bootstrap.json.resource.aws_dynamodb_resource_policy).toBeUndefined();
});

test('writers only: their grants in the bucket, key and table policies, and the deny for other accounts', () => {
  const { bootstrap } = synthAll({ TFSTATE_CROSS_ACCOUNT_PRINCIPALS: '111122223333' });
  expect(sids(bootstrap, 'aws_s3_bucket_policy', 'state-bucket_policy')).toEqual([
    ...STATE_BUCKET_DENIES,
    'WritersListBucket',
    'WritersReadWriteState',
    'WritersReadWriteDeleteObjects',
    'OtherAccountsDenyKeysDeeperThanGranted',
  ]);
  expect(sids(bootstrap, 'aws_kms_key', 'state-key')).toEqual([
    'AccountRootAndIamPolicies',
    'WritersUseStateKeyThroughS3',
  ]);
  expect(tableSids(bootstrap)).toEqual(['WritersLockAndDigestItems']);
});

test('readers only: theirs alone', () => {
  const { bootstrap } = synthAll({ TFSTATE_CROSS_ACCOUNT_READERS: '444455556666' });
  expect(sids(bootstrap, 'aws_s3_bucket_policy', 'state-bucket_policy')).toEqual([
    ...STATE_BUCKET_DENIES,
    'ReadersListBucket',
    'ReadersReadState',
    'OtherAccountsDenyKeysDeeperThanGranted',
  ]);
  expect(sids(bootstrap, 'aws_kms_key', 'state-key')).toEqual([
    'AccountRootAndIamPolicies',
    'ReadersUseStateKeyThroughS3',
  ]);
  expect(tableSids(bootstrap)).toEqual(['ReadersReadStateDigests']);
});

test('replication: the role, its policy and the replica key', () => {
  const { bootstrap } = synthAll({ TFSTATE_REPLICA_REGION: 'eu-west-1' });
  expect(sids(bootstrap, 'aws_iam_role', 'replication_role', 'assume_role_policy')).toEqual(['S3Replication']);
  expect(sids(bootstrap, 'aws_iam_role_policy', 'replication_role-policy')).toEqual([
    'ReadSourceConfiguration',
    'ReadSourceVersions',
    'WriteReplicas',
    'DecryptWithSourceKeyThroughS3',
    'EncryptWithReplicaKeyThroughS3',
  ]);
  expect(sids(bootstrap, 'aws_kms_key', 'replication_replica-key')).toEqual(['AccountRootAndIamPolicies']);
  // With S3 bucket keys the encryption context is the bucket's ARN, without them the object's.
  const decrypt = (
    JSON.parse(resourceOf(bootstrap, 'aws_iam_role_policy', 'replication_role-policy').policy as string) as {
      Statement: { Sid: string; Condition: unknown }[];
    }
  ).Statement.find((statement) => statement.Sid === 'DecryptWithSourceKeyThroughS3');
  expect(decrypt?.Condition).toEqual({
    StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' },
    StringLike: {
      'kms:EncryptionContext:aws:s3:arn': [
        'arn:aws:s3:::tfstate-0a1b2c3d4e5f-us-east-1',
        'arn:aws:s3:::tfstate-0a1b2c3d4e5f-us-east-1/*',
      ],
    },
  });
  expect(sids(bootstrap, 'aws_s3_bucket_policy', 'replication_replica-bucket_policy')).toEqual(STATE_BUCKET_DENIES);
});

describe('policy sizes as AWS counts them', () => {
  test('characters without whitespace; each Terraform reference counts 200', () => {
    expect(policySize('{ "a": "b c" }')).toBe(10);
    expect(policySize('{"a":"${aws_kms_key.k.arn}","b":"${x}"}')).toBe(15 + 400);
  });
  test('a document exactly at the limit passes; one character more is one line naming it', () => {
    const document = (size: number) => `{"a":"${'x'.repeat(size - 8)}"}`;
    expect(() =>
      checkPolicySize('read-write managed policy', 'managed policy', document(6144), 'TFSTATE_ENVIRONMENTS'),
    ).not.toThrow();
    expect(() =>
      checkPolicySize('read-write managed policy', 'managed policy', document(6145), 'TFSTATE_ENVIRONMENTS'),
    ).toThrow(
      new ConfigError([
        "read-write managed policy: 6145 characters, over AWS's limit of 6144 for a managed policy; it grows with TFSTATE_ENVIRONMENTS",
      ]),
    );
  });
});
