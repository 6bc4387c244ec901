// StateReplication: the replica bucket, its key and log bucket, the role and the configuration, in a fresh stack per test.
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Aspects } from 'cdktf';
import { StateBucket } from '../constructs/state-bucket';
import { StateReplication, type StateReplicationProps } from '../constructs/state-replication';
import { EmulatorLimits } from '../stacks/emulator';
import { STATE_LIFECYCLE_RULES, statementsOf, synthResources } from './helpers';

const SOURCE_KEY = 'arn:aws:kms:us-east-1:111122223333:key/source';
const REPLICA_KEY_ARN = '${aws_kms_key.replication_replica-key_D8078D0C.arn}';
const REPLICA_REF = '${aws_s3_bucket.replication_replica-bucket_09E63B8B.id}';

/** A source state bucket `source` and its replication `replication` to us-west-2. */
function synthReplication(props: Partial<StateReplicationProps> = {}, emulator = false) {
  let replication: StateReplication | undefined;
  const resources = synthResources((scope) => {
    if (emulator) Aspects.of(scope).add(new EmulatorLimits());
    const replicaProvider = new AwsProvider(scope, 'replica', { region: 'us-west-2', alias: 'replica' });
    const source = new StateBucket(scope, 'source', {
      bucketName: 'team-state',
      region: 'us-east-1',
      kmsKeyArn: SOURCE_KEY,
      noncurrentVersionDays: 90,
    });
    replication = new StateReplication(scope, 'replication', {
      source,
      sourceKmsKeyArn: SOURCE_KEY,
      sourceRegion: 'us-east-1',
      replicaRegion: 'us-west-2',
      replicaProvider,
      replicaBucketName: 'team-state-replica',
      replicaKmsAlias: 'alias/team-state-replica',
      accountRootArn: 'arn:aws:iam::111122223333:root',
      accountId: '111122223333',
      accessLogs: {
        bucketName: 'team-state-replica-logs',
        prefix: 's3-access/team-state-replica/',
        expirationDays: 365,
      },
      noncurrentVersionDays: 90,
      ...props,
    });
  });
  return { resources, replication: replication! };
}

describe('StateReplication', () => {
  test('S3 assumes a role described by both buckets', () => {
    expect(synthReplication().resources.aws_iam_role.replication_role_0847815E).toEqual({
      name_prefix: 'tfstate-replication-',
      description: 'S3 replication of arn:aws:s3:::team-state to arn:aws:s3:::team-state-replica',
      assume_role_policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'S3Replication',
            Effect: 'Allow',
            Principal: { Service: 's3.amazonaws.com' },
            Action: 'sts:AssumeRole',
          },
        ],
      }),
    });
  });
  test('the role may read the source versions, decrypt with the source key and write replicas with the replica key, nothing else', () => {
    const policy = synthReplication().resources.aws_iam_role_policy['replication_role-policy_7048221F'];
    expect(policy.role).toBe('${aws_iam_role.replication_role_0847815E.id}');
    expect(policy.name).toBe('replicate-state');
    expect(statementsOf(policy)).toEqual([
      {
        Sid: 'ReadSourceConfiguration',
        Effect: 'Allow',
        Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
        Resource: 'arn:aws:s3:::team-state',
      },
      {
        Sid: 'ReadSourceVersions',
        Effect: 'Allow',
        Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'],
        Resource: 'arn:aws:s3:::team-state/*',
      },
      {
        Sid: 'WriteReplicas',
        Effect: 'Allow',
        Action: ['s3:ReplicateObject', 's3:ReplicateTags'],
        Resource: 'arn:aws:s3:::team-state-replica/*',
      },
      {
        Sid: 'DecryptWithSourceKeyThroughS3',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: SOURCE_KEY,
        Condition: {
          StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' },
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': ['arn:aws:s3:::team-state', 'arn:aws:s3:::team-state/*'] },
        },
      },
      {
        Sid: 'EncryptWithReplicaKeyThroughS3',
        Effect: 'Allow',
        Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
        Resource: REPLICA_KEY_ARN,
        Condition: {
          StringEquals: { 'kms:ViaService': 's3.us-west-2.amazonaws.com' },
          StringLike: {
            'kms:EncryptionContext:aws:s3:arn': [
              'arn:aws:s3:::team-state-replica',
              'arn:aws:s3:::team-state-replica/*',
            ],
          },
        },
      },
    ]);
  });
  test('the configuration replicates KMS-encrypted state, not delete markers, once both sides are versioned', () => {
    expect(
      synthReplication().resources.aws_s3_bucket_replication_configuration.replication_configuration_8CE400A3,
    ).toEqual({
      bucket: '${aws_s3_bucket.source_bucket_B5285E68.id}',
      role: '${aws_iam_role.replication_role_0847815E.arn}',
      depends_on: [
        'aws_s3_bucket_versioning.source_versioning_BCB10F58',
        'aws_s3_bucket_versioning.replication_replica-bucket_versioning_460D496D',
      ],
      rule: [
        {
          id: 'replicate-state',
          status: 'Enabled',
          filter: {},
          delete_marker_replication: { status: 'Disabled' },
          source_selection_criteria: { sse_kms_encrypted_objects: { status: 'Enabled' } },
          destination: {
            bucket: '${aws_s3_bucket.replication_replica-bucket_09E63B8B.arn}',
            storage_class: 'STANDARD',
            encryption_configuration: { replica_kms_key_id: REPLICA_KEY_ARN },
          },
        },
      ],
    });
  });
  test('on an emulator the configuration goes without the SSE-KMS selection, which moto does not read back', () => {
    const rule = (
      synthReplication({}, true).resources.aws_s3_bucket_replication_configuration.replication_configuration_8CE400A3
        .rule as Record<string, unknown>[]
    )[0];
    expect(rule).not.toHaveProperty('source_selection_criteria');
    expect(rule.id).toBe('replicate-state');
  });
  test('the replication warns, naming the replica region, only where the selection is left out', () => {
    const warnings = (replication: StateReplication) =>
      replication.node.metadata.filter((entry) => entry.type === '@cdktf/warn').map((entry) => entry.data);
    expect(warnings(synthReplication({}, true).replication)).toEqual([
      'replication to us-west-2 is configured without its SSE-KMS source selection, which moto does not read back; moto stores the replication configuration but copies no object, so the replica stays empty there',
    ]);
    expect(warnings(synthReplication().replication)).toEqual([]);
  });
  test('the replica is hardened like the state bucket, in the replica region, with its own key', () => {
    const { resources } = synthReplication();
    expect(resources.aws_s3_bucket['replication_replica-bucket_09E63B8B']).toEqual({
      bucket: 'team-state-replica',
      provider: 'aws.replica',
      lifecycle: { prevent_destroy: true },
    });
    expect(resources.aws_s3_bucket_versioning['replication_replica-bucket_versioning_460D496D']).toEqual({
      bucket: REPLICA_REF,
      provider: 'aws.replica',
      versioning_configuration: { status: 'Enabled' },
    });
    expect(
      resources.aws_s3_bucket_server_side_encryption_configuration['replication_replica-bucket_encryption_61659499'],
    ).toEqual({
      bucket: REPLICA_REF,
      provider: 'aws.replica',
      rule: [
        {
          apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: REPLICA_KEY_ARN },
          bucket_key_enabled: true,
        },
      ],
    });
    expect(resources.aws_s3_bucket_public_access_block['replication_replica-bucket_public-access_400462CB']).toEqual({
      bucket: REPLICA_REF,
      provider: 'aws.replica',
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(
      resources.aws_s3_bucket_lifecycle_configuration['replication_replica-bucket_lifecycle_21612044'].rule,
    ).toEqual(STATE_LIFECYCLE_RULES);
  });
  test('uploads to the replica must name the replica key (any of its forms, other accounts its ARN)', () => {
    const statements = statementsOf(
      synthReplication().resources.aws_s3_bucket_policy['replication_replica-bucket_policy_2F6ABBBA'],
    );
    expect(statements.find((statement) => statement.Sid === 'DenyUploadsWithOtherKmsKeys')!.Condition).toEqual({
      StringNotEquals: {
        's3:x-amz-server-side-encryption-aws-kms-key-id': [
          REPLICA_KEY_ARN,
          '${aws_kms_key.replication_replica-key_D8078D0C.key_id}',
          '${aws_kms_alias.replication_replica-key_alias_CB5B2983.arn}',
          'alias/team-state-replica',
        ],
      },
      Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'false' },
    });
    expect(
      statements.find((statement) => statement.Sid === 'DenyOtherAccountsUploadsNotNamingKeyArn')!.Condition,
    ).toMatchObject({
      StringNotEquals: {
        'aws:PrincipalAccount': '111122223333',
        's3:x-amz-server-side-encryption-aws-kms-key-id': REPLICA_KEY_ARN,
      },
    });
  });
  test('the replica key lives in the replica region under its alias, protected', () => {
    const { resources } = synthReplication();
    expect(resources.aws_kms_key['replication_replica-key_D8078D0C']).toMatchObject({
      provider: 'aws.replica',
      enable_key_rotation: true,
      lifecycle: { prevent_destroy: true },
    });
    expect(resources.aws_kms_alias['replication_replica-key_alias_CB5B2983']).toEqual({
      name: 'alias/team-state-replica',
      provider: 'aws.replica',
      target_key_id: '${aws_kms_key.replication_replica-key_D8078D0C.key_id}',
      lifecycle: { prevent_destroy: true },
    });
  });
  test("the replica's access logs go to a log bucket in the replica region, which grants their delivery first", () => {
    const { resources, replication } = synthReplication();
    expect(replication.replicaLogBucket?.arn).toBe('arn:aws:s3:::team-state-replica-logs');
    expect(resources.aws_s3_bucket['replication_replica-log-bucket_A81751AA']).toEqual({
      bucket: 'team-state-replica-logs',
      provider: 'aws.replica',
      force_destroy: false,
      lifecycle: { prevent_destroy: true },
    });
    expect(resources.aws_s3_bucket_logging['replication_replica-bucket_access-logs_0932AD42']).toEqual({
      bucket: REPLICA_REF,
      provider: 'aws.replica',
      depends_on: ['aws_s3_bucket_policy.replication_replica-log-bucket_policy_C80188B6'],
      target_bucket: '${aws_s3_bucket.replication_replica-log-bucket_A81751AA.id}',
      target_prefix: 's3-access/team-state-replica/',
    });
    expect(statementsOf(resources.aws_s3_bucket_policy['replication_replica-log-bucket_policy_C80188B6'])[1]).toEqual({
      Sid: 'S3ServerAccessLogDelivery',
      Effect: 'Allow',
      Principal: { Service: 'logging.s3.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: 'arn:aws:s3:::team-state-replica-logs/s3-access/team-state-replica/*',
      Condition: {
        ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::team-state-replica' },
        StringEquals: { 'aws:SourceAccount': '111122223333' },
      },
    });
    expect(
      resources.aws_s3_bucket_lifecycle_configuration['replication_replica-log-bucket_lifecycle_7B83DFA2'].provider,
    ).toBe('aws.replica');
  });
  test('without access logs: no replica log bucket and no logging', () => {
    const { resources, replication } = synthReplication({ accessLogs: undefined });
    expect(replication.replicaLogBucket).toBeUndefined();
    expect(resources).not.toHaveProperty('aws_s3_bucket_logging');
    expect(Object.keys(resources.aws_s3_bucket).sort()).toEqual([
      'replication_replica-bucket_09E63B8B',
      'source_bucket_B5285E68',
    ]);
  });
  test('preventDestroy false releases replica bucket, key and log bucket', () => {
    const { resources } = synthReplication({ preventDestroy: false });
    expect(resources.aws_s3_bucket['replication_replica-bucket_09E63B8B'].lifecycle).toEqual({
      prevent_destroy: false,
    });
    expect(resources.aws_kms_key['replication_replica-key_D8078D0C'].lifecycle).toEqual({ prevent_destroy: false });
    expect(resources.aws_s3_bucket['replication_replica-log-bucket_A81751AA']).toMatchObject({
      force_destroy: true,
      lifecycle: { prevent_destroy: false },
    });
  });
  test('on an emulator the replica and its log bucket leave out what the emulator lacks', () => {
    const { resources } = synthReplication({}, true);
    expect(resources).not.toHaveProperty('aws_s3_bucket_lifecycle_configuration');
    expect(resources).not.toHaveProperty('aws_s3_bucket_notification');
    expect(Object.keys(resources.aws_s3_bucket_policy)).toEqual(['replication_replica-log-bucket_policy_C80188B6']);
  });
});
