// How the bootstrap stack wires its constructs from the config: which optional resources exist in which setting,
// and what the emulator's provider block holds. The whole-stack snapshots hold this too, but `jest -u` accepts a
// changed snapshot; these name each resource and value.
import { synthAll } from './helpers';

const WRITER = 'arn:aws:iam::111122223333:role/terraform';
const EMULATOR = 'http://127.0.0.1:5000';

const bootstrap = (env: Record<string, string>) => synthAll(env).bootstrap.json;

describe('the lock table resource policy', () => {
  test('cross-account writers get one, on the lock table', () => {
    const policy = bootstrap({ TFSTATE_CROSS_ACCOUNT_PRINCIPALS: WRITER }).resource.aws_dynamodb_resource_policy;
    expect(Object.keys(policy)).toEqual(['lock-table-cross-account']);
    expect(policy['lock-table-cross-account'].resource_arn).toBe('${aws_dynamodb_table.lock-table_D28631D7.arn}');
    expect(JSON.parse(policy['lock-table-cross-account'].policy as string).Statement[0]).toMatchObject({
      Sid: 'WritersLockAndDigestItems',
      Principal: { AWS: [WRITER] },
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
    });
  });
  test('no other account, no policy', () => {
    expect(bootstrap({}).resource.aws_dynamodb_resource_policy).toBeUndefined();
  });
  test('s3 locking: no table, so no policy, even with cross-account writers', () => {
    const resources = bootstrap({ TFSTATE_CROSS_ACCOUNT_PRINCIPALS: WRITER, TFSTATE_LOCKING: 's3' }).resource;
    expect(resources.aws_dynamodb_table).toBeUndefined();
    expect(resources.aws_dynamodb_resource_policy).toBeUndefined();
  });
});

describe("the managed policies name the stack's own key and table", () => {
  test('read-write: the key by its resource, the table in the account that deploys', () => {
    const policy = bootstrap({}).resource.aws_iam_policy['access-policies_read-write_802B295F'].policy as string;
    const statements = JSON.parse(policy).Statement as { Sid: string; Resource: unknown }[];
    expect(statements.find((statement) => statement.Sid === 'LockAndDigestItems')?.Resource).toBe(
      'arn:aws:dynamodb:us-east-1:${data.aws_caller_identity.account.account_id}:table/terraform-locks',
    );
    expect(statements.filter((statement) => statement.Resource === '${aws_kms_key.state-key_753BFC90.arn}')).toEqual([
      expect.objectContaining({ Action: ['kms:Decrypt', 'kms:GenerateDataKey'] }),
    ]);
  });
});

describe("the replica's access logs", () => {
  test('with access logging, the replica bucket logs into its own log bucket', () => {
    expect(bootstrap({ TFSTATE_REPLICA_REGION: 'eu-west-1' }).resource.aws_s3_bucket_logging).toEqual({
      'replication_replica-bucket_access-logs_0932AD42': {
        bucket: '${aws_s3_bucket.replication_replica-bucket_09E63B8B.id}',
        depends_on: ['aws_s3_bucket_policy.replication_replica-log-bucket_policy_C80188B6'],
        provider: 'aws.replica',
        target_bucket: '${aws_s3_bucket.replication_replica-log-bucket_A81751AA.id}',
        target_prefix: 's3-access/tfstate-0a1b2c3d4e5f-us-east-1-replica/',
      },
      'state-bucket_access-logs_7B5F3336': {
        bucket: '${aws_s3_bucket.state-bucket_828F7150.id}',
        depends_on: ['aws_s3_bucket_policy.log-bucket_policy_0ACE94FE'],
        target_bucket: '${aws_s3_bucket.log-bucket_38F5EEF0.id}',
        target_prefix: 's3-access/tfstate-0a1b2c3d4e5f-us-east-1/',
      },
    });
  });
  test('without it, neither bucket logs and no log bucket is made', () => {
    const resources = bootstrap({
      TFSTATE_REPLICA_REGION: 'eu-west-1',
      TFSTATE_ACCESS_LOGGING: 'false',
      TFSTATE_ACCEPT_RISKS: 'no-access-logging',
    }).resource;
    expect(resources.aws_s3_bucket_logging).toBeUndefined();
    expect(Object.keys(resources.aws_s3_bucket)).toEqual([
      'replication_replica-bucket_09E63B8B',
      'state-bucket_828F7150',
    ]);
  });
});

test('on the emulator both providers point every service there, path-style, with its test credentials', () => {
  const endpoints = { dynamodb: EMULATOR, ec2: EMULATOR, iam: EMULATOR, kms: EMULATOR, s3: EMULATOR, sts: EMULATOR };
  const emulated = {
    access_key: 'test',
    default_tags: [{ tags: { ManagedBy: 'tfstate-backend', StateBucket: 'tfstate-0a1b2c3d4e5f-us-east-1' } }],
    endpoints: [endpoints],
    s3_use_path_style: true,
    secret_key: 'test',
    skip_credentials_validation: true,
    skip_metadata_api_check: 'true',
    skip_region_validation: true,
    skip_requesting_account_id: true,
  };
  expect(bootstrap({ AWS_ENDPOINT_URL: EMULATOR, TFSTATE_REPLICA_REGION: 'eu-west-1' }).provider.aws).toEqual([
    { ...emulated, region: 'us-east-1' },
    { ...emulated, alias: 'replica', region: 'eu-west-1' },
  ]);
});
