import type { Statement as PolicyStatement } from '../iam/document';
import {
  kmsKeyPolicyStatements,
  logDeliveryStatement,
  replicationRoleStatements,
  uploadEncryptionDenies,
} from '../iam/resource-policies';
import {
  CHECKOV_SKIPS,
  type CheckovSkip,
  classify,
  matchingSkip,
  SCAN_VARIANTS,
  skipListProblems,
} from '../security/checkov';
import { SECURITY_CONTROLS } from '../security/controls';
import { configFrom, dirWithConfig, problemsOf, resourceOf, type Synthesized, synthAll } from './helpers';

function policiesOf(stack: Synthesized, type: string, attribute = 'policy'): Record<string, PolicyStatement[]> {
  const out: Record<string, PolicyStatement[]> = {};
  for (const [name, resource] of Object.entries(stack.json.resource[type] ?? {}))
    out[name] = JSON.parse(resource[attribute] as string).Statement;
  return out;
}

const ARN = 'arn:aws:s3:::state';

describe('hostile or weakening input is refused at synth, each with one line naming setting, value and rule', () => {
  test('access logging off needs the explicit acknowledgement', () => {
    expect(problemsOf({ TFSTATE_ACCESS_LOGGING: 'false' })).toEqual([
      'TFSTATE_ACCESS_LOGGING="false": turns off access logging of the state bucket; set TFSTATE_ACCEPT_RISKS=no-access-logging to accept that',
    ]);
    const accepted = configFrom({ TFSTATE_ACCESS_LOGGING: 'false', TFSTATE_ACCEPT_RISKS: 'no-access-logging' });
    expect(accepted.logBucket).toBeUndefined();
    expect(
      synthAll({ TFSTATE_ACCESS_LOGGING: 'false', TFSTATE_ACCEPT_RISKS: 'no-access-logging' }).bootstrap.json.resource
        .aws_s3_bucket_logging,
    ).toBeUndefined();
  });
  test('the same from an attacker-controlled config file', () => {
    expect(problemsOf({}, dirWithConfig({ accessLogging: false }))).toEqual([
      'tfstate.config.json: accessLogging=false: turns off access logging of the state bucket; set TFSTATE_ACCEPT_RISKS=no-access-logging to accept that',
    ]);
  });
  test('noncurrent retention under 30 days needs the explicit acknowledgement', () => {
    expect(problemsOf({ TFSTATE_NONCURRENT_DAYS: '7' })).toEqual([
      'TFSTATE_NONCURRENT_DAYS="7": keeps old state versions less than 30 days; set TFSTATE_ACCEPT_RISKS=short-retention to accept that',
    ]);
    expect(
      configFrom({ TFSTATE_NONCURRENT_DAYS: '7', TFSTATE_ACCEPT_RISKS: 'short-retention' }).noncurrentVersionDays,
    ).toBe(7);
    expect(configFrom({ TFSTATE_NONCURRENT_DAYS: '30' }).noncurrentVersionDays).toBe(30);
  });
  test('an unknown acknowledgement is refused, not ignored', () => {
    expect(problemsOf({ TFSTATE_ACCEPT_RISKS: 'everything' })).toEqual([
      'TFSTATE_ACCEPT_RISKS="everything": must list only no-access-logging, short-retention ("everything")',
    ]);
  });
  test.each([
    [{ acl: 'public-read' }, /acl: unknown setting/],
    [{ encryption: false }, /encryption: unknown setting/],
    [{ forceDestroy: true }, /forceDestroy: unknown setting/],
    [{ currentVersionExpirationDays: 1 }, /currentVersionExpirationDays: unknown setting/],
  ])('there is no knob to weaken what is not a setting: %j is an unknown setting', (file, message) => {
    expect(problemsOf({}, dirWithConfig(file))).toEqual([expect.stringMatching(message)]);
  });
  test('replication to the same region is refused', () => {
    expect(problemsOf({ TFSTATE_REPLICA_REGION: 'us-east-1' })).toEqual([
      'TFSTATE_REPLICA_REGION="us-east-1": must differ from the state bucket\'s region (cross-region replication)',
    ]);
  });
  test('state, logs and replica may not share a bucket', () => {
    expect(problemsOf({ TFSTATE_BUCKET: 'one-bucket', TFSTATE_LOG_BUCKET: 'one-bucket' })).toEqual([
      'TFSTATE_LOG_BUCKET="one-bucket": is already the bucket of TFSTATE_BUCKET; state, logs and replica need separate buckets',
    ]);
  });
  test('a bad log or replica bucket name is refused like the state bucket name', () => {
    expect(problemsOf({ TFSTATE_LOG_BUCKET: 'Logs_Bucket' })).toEqual([
      expect.stringMatching(/^TFSTATE_LOG_BUCKET="Logs_Bucket": may contain only/),
    ]);
    expect(problemsOf({ TFSTATE_REPLICA_REGION: 'eu-west-1', TFSTATE_REPLICA_BUCKET: 'x'.repeat(60) })).toEqual([
      expect.stringMatching(/derived replica log bucket name .*must be 3 to 63 characters/),
    ]);
  });
});

describe('the state bucket policy', () => {
  const key = {
    keyArn: 'arn:aws:kms:us-east-1:1:key/k',
    keyId: 'k',
    aliasArn: 'arn:aws:kms:us-east-1:1:alias/state',
    aliasName: 'alias/state',
    ownerAccountId: '123456789012',
  };
  const statements = uploadEncryptionDenies(ARN, key);

  test('each upload deny applies only when the header it judges is present (Null beside the match, never ...IfExists)', () => {
    expect(statements.map((s) => [s.Sid, s.Condition])).toEqual([
      [
        'DenyUploadsNotSseKms',
        {
          StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
          Null: { 's3:x-amz-server-side-encryption': 'false' },
        },
      ],
      [
        'DenyUploadsWithOtherKmsKeys',
        {
          StringNotEquals: {
            's3:x-amz-server-side-encryption-aws-kms-key-id': [key.keyArn, 'k', key.aliasArn, 'alias/state'],
          },
          Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'false' },
        },
      ],
      [
        'DenyOtherAccountsUploadsNotNamingKeyArn',
        {
          StringNotEquals: {
            'aws:PrincipalAccount': '123456789012',
            's3:x-amz-server-side-encryption-aws-kms-key-id': key.keyArn,
          },
          Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'false' },
        },
      ],
      [
        'DenyUploadsWithAwsManagedKey',
        {
          StringEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
          Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'true' },
        },
      ],
      ['DenyUploadsWithCustomerKeys', { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } }],
    ]);
    for (const deny of statements)
      expect(deny).toMatchObject({ Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `${ARN}/*` });
    expect(JSON.stringify(statements)).not.toContain('IfExists');
  });
  test('the stack accepts exactly the key ARN, key id, alias ARN and the alias name the backend config names', () => {
    const { bootstrap, app } = synthAll();
    const policy = policiesOf(bootstrap, 'aws_s3_bucket_policy');
    const state = Object.entries(policy).find(([name]) => name.startsWith('state-bucket_'))![1];
    const keyIds = state.find((s) => s.Sid === 'DenyUploadsWithOtherKmsKeys')!.Condition!.StringNotEquals[
      's3:x-amz-server-side-encryption-aws-kms-key-id'
    ];
    expect(keyIds).toContain(app.json.terraform.backend.s3.kms_key_id);
    expect(keyIds).toEqual([
      expect.stringMatching(/aws_kms_key\..*\.arn/),
      expect.stringMatching(/aws_kms_key\..*\.key_id/),
      expect.stringMatching(/aws_kms_alias\..*\.arn/),
      'alias/tfstate-0a1b2c3d4e5f-us-east-1',
    ]);
  });
  test('on an emulator every conditional deny is left out, on real AWS none is', () => {
    const emulated = policiesOf(
      synthAll({ AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' }).bootstrap,
      'aws_s3_bucket_policy',
    );
    for (const statements of Object.values(emulated)) for (const s of statements) expect(s.Effect).toBe('Allow');
    const real = Object.values(policiesOf(synthAll().bootstrap, 'aws_s3_bucket_policy')).flat();
    expect(
      real
        .filter((s) => s.Effect === 'Deny')
        .map((s) => s.Sid)
        .sort(),
    ).toEqual(
      [
        'DenyInsecureTransport',
        'DenyInsecureTransport',
        'DenyOtherAccountsUploadsNotNamingKeyArn',
        'DenyUploadsNotSseKms',
        'DenyUploadsWithAwsManagedKey',
        'DenyUploadsWithCustomerKeys',
        'DenyUploadsWithOtherKmsKeys',
      ].sort(),
    );
  });
});

describe('the KMS key policy', () => {
  test('names the account root and nothing else by default; appends additional statements', () => {
    const extra: PolicyStatement = {
      Sid: 'X',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::111122223333:role/ci' },
      Action: 'kms:Decrypt',
      Resource: '*',
    };
    expect(kmsKeyPolicyStatements('arn:aws:iam::123456789012:root')).toEqual([
      {
        Sid: 'AccountRootAndIamPolicies',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::123456789012:root' },
        Action: 'kms:*',
        Resource: '*',
      },
    ]);
    expect(kmsKeyPolicyStatements('root', [extra])[1]).toBe(extra);
  });
  test('every synthesized key policy names the caller account root of the right partition, never a wildcard principal', () => {
    for (const env of [{}, { TFSTATE_REGION: 'cn-north-1' }, { TFSTATE_REPLICA_REGION: 'eu-west-1' }] as Record<
      string,
      string
    >[]) {
      const keys = policiesOf(synthAll(env).bootstrap, 'aws_kms_key');
      expect(Object.keys(keys).length).toBe('TFSTATE_REPLICA_REGION' in env ? 2 : 1);
      const partition = 'TFSTATE_REGION' in env ? 'aws-cn' : 'aws';
      for (const statements of Object.values(keys)) {
        for (const s of statements) {
          expect(s.Principal).toEqual({
            AWS: `arn:${partition}:iam::\${data.aws_caller_identity.account.account_id}:root`,
          });
        }
      }
    }
  });
});

describe('access logging (default on)', () => {
  const { bootstrap } = synthAll();
  test('the state bucket logs to the separate log bucket under its own prefix, once the log bucket policy exists', () => {
    const logging = resourceOf(bootstrap, 'aws_s3_bucket_logging', 'state-bucket_access-logs');
    expect(logging).toMatchObject({
      target_bucket: expect.stringMatching(/aws_s3_bucket\.log-bucket_/),
      target_prefix: 's3-access/tfstate-0a1b2c3d4e5f-us-east-1/',
      depends_on: [expect.stringMatching(/aws_s3_bucket_policy\.log-bucket_policy_/)],
    });
    expect(resourceOf(bootstrap, 'aws_s3_bucket', 'log-bucket').bucket).toBe('tfstate-0a1b2c3d4e5f-us-east-1-logs');
  });
  test('the log bucket is versioned, SSE-S3, private, ACL-free and expires logs', () => {
    expect(resourceOf(bootstrap, 'aws_s3_bucket_versioning', 'log-bucket_versioning').versioning_configuration).toEqual(
      { status: 'Enabled' },
    );
    expect(
      resourceOf(bootstrap, 'aws_s3_bucket_server_side_encryption_configuration', 'log-bucket_encryption').rule,
    ).toEqual([{ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } }]);
    expect(resourceOf(bootstrap, 'aws_s3_bucket_public_access_block', 'log-bucket_public-access')).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(resourceOf(bootstrap, 'aws_s3_bucket_ownership_controls', 'log-bucket_ownership').rule).toEqual({
      object_ownership: 'BucketOwnerEnforced',
    });
    expect(
      (resourceOf(bootstrap, 'aws_s3_bucket_lifecycle_configuration', 'log-bucket_lifecycle').rule as unknown[])[0],
    ).toMatchObject({
      expiration: [{ days: 365 }],
      noncurrent_version_expiration: [{ noncurrent_days: 365 }],
    });
    expect(synthAll({ TFSTATE_ACCESS_LOG_DAYS: '90' }).bootstrap.text).toMatch(/"days": 90/);
  });
  test('only S3 log delivery may write, for the state bucket of this account only', () => {
    expect(logDeliveryStatement('arn:aws:s3:::logs', ARN, '123456789012', 's3-access/state/')).toEqual({
      Sid: 'S3ServerAccessLogDelivery',
      Effect: 'Allow',
      Principal: { Service: 'logging.s3.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: 'arn:aws:s3:::logs/s3-access/state/*',
      Condition: { ArnLike: { 'aws:SourceArn': ARN }, StringEquals: { 'aws:SourceAccount': '123456789012' } },
    });
  });
  test('the teardown setting releases the log bucket too (and lets destroy empty it)', () => {
    const released = synthAll({ TFSTATE_ALLOW_DESTROY: 'true' }).bootstrap;
    expect(resourceOf(released, 'aws_s3_bucket', 'log-bucket')).toMatchObject({
      force_destroy: true,
      lifecycle: { prevent_destroy: false },
    });
    expect(resourceOf(bootstrap, 'aws_s3_bucket', 'log-bucket')).toMatchObject({
      force_destroy: false,
      lifecycle: { prevent_destroy: true },
    });
  });
});

describe('cross-region replication (TFSTATE_REPLICA_REGION)', () => {
  const { bootstrap } = synthAll({ TFSTATE_REPLICA_REGION: 'eu-west-1' });
  test('is off by default', () => {
    expect(synthAll().bootstrap.json.resource.aws_s3_bucket_replication_configuration).toBeUndefined();
    expect(synthAll().bootstrap.json.provider.aws).toHaveLength(1);
  });
  test('a second, aliased provider creates replica key, replica bucket and its log bucket in the replica region', () => {
    expect(bootstrap.json.provider.aws).toEqual([
      expect.objectContaining({ region: 'us-east-1' }),
      expect.objectContaining({ region: 'eu-west-1', alias: 'replica' }),
    ]);
    const replica = resourceOf(bootstrap, 'aws_s3_bucket', 'replication_replica-bucket');
    expect(replica).toMatchObject({
      bucket: 'tfstate-0a1b2c3d4e5f-us-east-1-replica',
      provider: 'aws.replica',
      lifecycle: { prevent_destroy: true },
    });
    expect(resourceOf(bootstrap, 'aws_kms_key', 'replication_replica-key')).toMatchObject({
      provider: 'aws.replica',
      enable_key_rotation: true,
    });
    expect(resourceOf(bootstrap, 'aws_kms_alias', 'replication_replica-key_alias')).toMatchObject({
      name: 'alias/tfstate-0a1b2c3d4e5f-us-east-1-replica',
    });
    expect(
      resourceOf(bootstrap, 'aws_s3_bucket_versioning', 'replication_replica-bucket_versioning')
        .versioning_configuration,
    ).toEqual({ status: 'Enabled' });
    expect(resourceOf(bootstrap, 'aws_s3_bucket_logging', 'replication_replica-bucket_access-logs')).toMatchObject({
      provider: 'aws.replica',
    });
  });
  test('replicates KMS-encrypted state with the replica key, never delete markers', () => {
    const rule = (
      resourceOf(bootstrap, 'aws_s3_bucket_replication_configuration', 'replication_configuration').rule as Record<
        string,
        unknown
      >[]
    )[0];
    expect(rule).toMatchObject({
      status: 'Enabled',
      delete_marker_replication: { status: 'Disabled' },
      source_selection_criteria: { sse_kms_encrypted_objects: { status: 'Enabled' } },
      destination: {
        encryption_configuration: {
          replica_kms_key_id: expect.stringMatching(/aws_kms_key\.replication_replica-key_.*\.arn/),
        },
      },
    });
  });
  test('the replication role is least privilege: named resources only, KMS only through S3', () => {
    const statements = replicationRoleStatements({
      sourceBucketArn: ARN,
      replicaBucketArn: 'arn:aws:s3:::replica',
      sourceKmsKeyArn: 'src-key',
      replicaKmsKeyArn: 'replica-key',
      sourceRegion: 'us-east-1',
      replicaRegion: 'eu-west-1',
    });
    for (const s of statements) {
      expect(s.Effect).toBe('Allow');
      expect(JSON.stringify(s.Resource)).not.toMatch(/^"\*"$|"\*"/);
      expect(JSON.stringify(s.Action)).not.toMatch(/:\*/);
    }
    expect(statements.find((s) => s.Action === 'kms:Decrypt')).toMatchObject({
      Resource: 'src-key',
      Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
    });
    expect(statements.flatMap((s) => [s.Action].flat())).not.toContain('s3:ReplicateDelete');
    const trust = JSON.parse(resourceOf(bootstrap, 'aws_iam_role', 'replication_role').assume_role_policy as string);
    expect(trust.Statement).toEqual([
      { Sid: 'S3Replication', Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
  });
  test('the teardown setting releases the replica bucket and key too', () => {
    const released = synthAll({ TFSTATE_REPLICA_REGION: 'eu-west-1', TFSTATE_ALLOW_DESTROY: 'true' }).bootstrap;
    for (const type of ['aws_s3_bucket', 'aws_kms_key', 'aws_kms_alias']) {
      for (const resource of Object.values(released.json.resource[type]))
        expect(resource.lifecycle).toEqual({ prevent_destroy: false });
    }
  });
});

describe('the checkov gate', () => {
  const failed = (check_id: string, resource: string, stack = 'bootstrap') => ({
    check_id,
    resource,
    file_path: `/x/stacks/${stack}/cdk.tf.json`,
  });
  const skips: CheckovSkip[] = [
    { check: 'CKV_AWS_145', resources: ['log-bucket'], reason: 'log delivery needs SSE-S3 target buckets' },
    {
      check: 'CKV_AWS_144',
      resources: ['state-bucket'],
      variants: ['default'],
      reason: 'replication is opt-in and scanned in its own variant',
    },
  ];
  test('a skip covers its check on its resources (by construct id, any hash) in its variants only', () => {
    expect(matchingSkip(failed('CKV_AWS_145', 'aws_s3_bucket.log-bucket_38F5EEF0'), 'default', skips)).toBe(0);
    expect(matchingSkip(failed('CKV_AWS_145', 'resource.log-bucket_38F5EEF0'), 'replication', skips)).toBe(0);
    expect(
      matchingSkip(failed('CKV_AWS_145', 'aws_s3_bucket.state-bucket_828F7150'), 'default', skips),
    ).toBeUndefined();
    expect(
      matchingSkip(failed('CKV_AWS_145', 'aws_s3_bucket.log-bucket-other_828F7150'), 'default', skips),
    ).toBeUndefined();
    expect(matchingSkip(failed('CKV_AWS_144', 'aws_s3_bucket.state-bucket_828F7150'), 'default', skips)).toBe(1);
    expect(
      matchingSkip(failed('CKV_AWS_144', 'aws_s3_bucket.state-bucket_828F7150'), 'replication', skips),
    ).toBeUndefined();
  });
  test('classify counts per stack and reports every uncovered failure', () => {
    const result = classify(
      {
        results: {
          passed_checks: [failed('CKV_AWS_21', 'a', 'bootstrap'), failed('CKV_AWS_41', 'b', 'app')],
          failed_checks: [
            failed('CKV_AWS_145', 'aws_s3_bucket.log-bucket_38F5EEF0'),
            failed('CKV_AWS_18', 'aws_s3_bucket.state-bucket_828F7150'),
          ],
        },
      },
      'default',
      skips,
    );
    expect(result.stacks).toEqual({
      bootstrap: { passed: 1, failed: 1, skipped: 1 },
      app: { passed: 1, failed: 0, skipped: 0 },
    });
    expect(result.unexpected.map((f) => f.check_id)).toEqual(['CKV_AWS_18']);
    expect([...result.usedSkips]).toEqual([0]);
  });
  test('the checked-in skip list is well formed: check ids, resources, known variants, one-line reasons', () => {
    expect(skipListProblems()).toEqual([]);
    expect(skipListProblems([{ check: 'CKV_AWS_1', resources: [], variants: ['nope'], reason: 'because' }])).toEqual([
      'skip 0 (CKV_AWS_1): names no resources',
      'skip 0 (CKV_AWS_1): needs a one-line reason',
      'skip 0 (CKV_AWS_1): unknown variant "nope"',
    ]);
  });
  test('CI scans the default config, each locking mode and replication on', () => {
    expect(SCAN_VARIANTS).toMatchObject({
      default: {},
      'locking-dynamodb': { TFSTATE_LOCKING: 'dynamodb' },
      'locking-s3': { TFSTATE_LOCKING: 's3' },
      'locking-both': { TFSTATE_LOCKING: 'both' },
      replication: { TFSTATE_REPLICA_REGION: expect.any(String) },
    });
  });
  test('every skipped check appears in the security table', () => {
    const documented = new Set(SECURITY_CONTROLS.flatMap((c) => c.checkov));
    for (const skip of CHECKOV_SKIPS) expect(documented).toContain(skip.check);
  });
});
