// What each stack hands to its users, written out: the bootstrap outputs (scripts, exports and people read them by
// name) and the app placeholder. The whole-stack snapshots hold them too, but a snapshot is accepted by `jest -u`.
import { synthAll } from './helpers';

const BUCKET = 'tfstate-0a1b2c3d4e5f-us-east-1';

describe('bootstrap outputs', () => {
  test('default settings: every output with its description and value', () => {
    expect(synthAll().bootstrap.json.output).toEqual({
      bucket: { description: 'State bucket', value: '${aws_s3_bucket.state-bucket_828F7150.bucket}' },
      region: { description: 'Region of bucket, table and key', value: 'us-east-1' },
      lock_table: {
        description: 'DynamoDB lock table ("" when locking is s3)',
        value: '${aws_dynamodb_table.lock-table_D28631D7.name}',
      },
      kms_key_arn: { description: 'KMS key that encrypts state', value: '${aws_kms_key.state-key_753BFC90.arn}' },
      kms_key_alias: {
        description: 'Alias the backends use for the key',
        value: '${aws_kms_alias.state-key_alias_63E2A9D5.name}',
      },
      policy_read_write_arn: {
        description: 'Managed policy: read-write access to the state',
        value: '${aws_iam_policy.access-policies_read-write_802B295F.arn}',
      },
      policy_read_only_arn: {
        description: 'Managed policy: read-only access to the state',
        value: '${aws_iam_policy.access-policies_read-only_620F8F00.arn}',
      },
      policy_kops_arn: {
        description: 'Managed policy: kops access to the state',
        value: '${aws_iam_policy.access-policies_kops_48C07C40.arn}',
      },
      kops_state_store: { description: 'KOPS_STATE_STORE', value: `s3://${BUCKET}/kops` },
      log_bucket: {
        description: 'Access-log bucket ("" when access logging is off)',
        value: '${aws_s3_bucket.log-bucket_38F5EEF0.bucket}',
      },
      replica_bucket: {
        description: 'Replica bucket in the replica region ("" when replication is off)',
        value: '',
      },
      backend_config: {
        description: 'backend "s3" settings of the app stack',
        value: {
          bucket: BUCKET,
          dynamodb_table: 'terraform-locks',
          encrypt: true,
          key: 'app/terraform.tfstate',
          kms_key_id: `alias/${BUCKET}`,
          region: 'us-east-1',
        },
      },
    });
  });
  test('without a table, access logs or replication their outputs are empty; with replication it is the replica', () => {
    const bare = synthAll({
      TFSTATE_LOCKING: 's3',
      TFSTATE_ACCESS_LOGGING: 'false',
      TFSTATE_ACCEPT_RISKS: 'no-access-logging',
    }).bootstrap.json.output;
    expect([bare.lock_table.value, bare.log_bucket.value, bare.replica_bucket.value]).toEqual(['', '', '']);
    const replicated = synthAll({ TFSTATE_REPLICA_REGION: 'us-west-2' }).bootstrap.json.output;
    expect(replicated.replica_bucket.value).toBe('${aws_s3_bucket.replication_replica-bucket_09E63B8B.bucket}');
  });
});

describe('app placeholder', () => {
  test('the default app: a VPC tagged with its stack and the "default" environment, its default group closed', () => {
    const app = synthAll().app.json;
    expect(app.resource.aws_vpc['placeholder-vpc']).toMatchObject({
      cidr_block: '10.0.0.0/16',
      tags: { Name: 'app-placeholder', Environment: 'default' },
    });
    expect(app.resource.aws_default_security_group['placeholder-default-sg']).toMatchObject({
      tags: { Name: 'app-default-deny-all' },
      vpc_id: '${aws_vpc.placeholder-vpc.id}',
    });
    expect(app.output).toEqual({
      vpc_id: {
        description: 'Placeholder VPC (replace with your infrastructure)',
        value: '${aws_vpc.placeholder-vpc.id}',
      },
    });
  });
  test('an environment app is tagged with that environment', () => {
    const dev = synthAll({ TFSTATE_ENVIRONMENTS: 'dev' })['app-dev'].json;
    expect(dev.resource.aws_vpc['placeholder-vpc'].tags).toEqual({ Name: 'app-dev-placeholder', Environment: 'dev' });
  });
});
