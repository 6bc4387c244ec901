// StateKmsKey, LockTable and AccessPolicies, each alone in a fresh stack, asserted on the named resource.
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { AccessPolicies } from '../constructs/access-policies';
import { LockTable } from '../constructs/lock-table';
import { StateKmsKey, type StateKmsKeyProps } from '../constructs/state-kms-key';
import { synthResources } from './helpers';

const ROOT = 'arn:aws:iam::111122223333:root';

function synthKey(props: Partial<StateKmsKeyProps> = {}) {
  let key: StateKmsKey | undefined;
  const resources = synthResources((scope) => {
    key = new StateKmsKey(scope, 'key', { alias: 'alias/team', accountRootArn: ROOT, ...props });
  });
  return { resources, key: key! };
}

describe('StateKmsKey', () => {
  test('a new key: rotated, 30-day deletion window, a policy naming only the account root, protected', () => {
    expect(synthKey().resources.aws_kms_key.key_F64E54E4).toEqual({
      description: 'Terraform state (alias/team)',
      enable_key_rotation: true,
      deletion_window_in_days: 30,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AccountRootAndIamPolicies',
            Effect: 'Allow',
            Principal: { AWS: ROOT },
            Action: 'kms:*',
            Resource: '*',
          },
        ],
      }),
      lifecycle: { prevent_destroy: true },
    });
  });
  test('the alias names the new key', () => {
    expect(synthKey().resources.aws_kms_alias.key_alias_9418169B).toEqual({
      name: 'alias/team',
      target_key_id: '${aws_kms_key.key_F64E54E4.key_id}',
      lifecycle: { prevent_destroy: true },
    });
  });
  test('props: extra statements after the root one, another deletion window, released, another provider', () => {
    const extra = {
      Sid: 'Reader',
      Effect: 'Allow' as const,
      Principal: { AWS: 'arn:aws:iam::444455556666:root' },
      Action: 'kms:Decrypt',
      Resource: '*',
    };
    const key = synthKey({ additionalPolicyStatements: [extra], deletionWindowInDays: 7, preventDestroy: false })
      .resources.aws_kms_key.key_F64E54E4;
    expect(JSON.parse(key.policy as string).Statement.map((statement: { Sid: string }) => statement.Sid)).toEqual([
      'AccountRootAndIamPolicies',
      'Reader',
    ]);
    expect(key.deletion_window_in_days).toBe(7);
    expect(key.lifecycle).toEqual({ prevent_destroy: false });
  });
  test('key and alias are created with the given provider', () => {
    const resources = synthResources((scope) => {
      const provider = new AwsProvider(scope, 'replica', { region: 'us-west-2', alias: 'replica' });
      new StateKmsKey(scope, 'key', { alias: 'alias/team', accountRootArn: ROOT, provider });
    });
    expect(resources.aws_kms_key.key_F64E54E4.provider).toBe('aws.replica');
    expect(resources.aws_kms_alias.key_alias_9418169B.provider).toBe('aws.replica');
  });
  test('an existing key: no key, no policy; the alias names it by the id from its ARN', () => {
    const { resources, key } = synthKey({ existingKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab' });
    expect(resources).not.toHaveProperty('aws_kms_key');
    expect(resources.aws_kms_alias.key_alias_9418169B).toEqual({
      name: 'alias/team',
      target_key_id: '1234abcd-12ab',
      lifecycle: { prevent_destroy: true },
    });
    expect(key.key).toBeUndefined();
    expect(key.policyJson).toBeUndefined();
    expect(key.keyArn).toBe('arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab');
  });
});

describe('LockTable', () => {
  test("Terraform's LockID hash key, on-demand, PITR, KMS with the given key, deletion protection", () => {
    const resources = synthResources((scope) => {
      new LockTable(scope, 'locks', { tableName: 'team-locks', kmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/k' });
    });
    expect(resources.aws_dynamodb_table.locks_table_0C565602).toEqual({
      name: 'team-locks',
      hash_key: 'LockID',
      attribute: [{ name: 'LockID', type: 'S' }],
      billing_mode: 'PAY_PER_REQUEST',
      point_in_time_recovery: { enabled: true },
      server_side_encryption: { enabled: true, kms_key_arn: 'arn:aws:kms:us-east-1:111122223333:key/k' },
      deletion_protection_enabled: true,
      lifecycle: { prevent_destroy: true },
    });
  });
  test('released: no deletion protection, no prevent_destroy', () => {
    const resources = synthResources((scope) => {
      new LockTable(scope, 'locks', { tableName: 'team-locks', kmsKeyArn: 'arn:k', preventDestroy: false });
    });
    expect(resources.aws_dynamodb_table.locks_table_0C565602).toMatchObject({
      deletion_protection_enabled: false,
      lifecycle: { prevent_destroy: false },
    });
  });
});

describe('AccessPolicies', () => {
  test('one managed policy per access level, named and described after the bucket', () => {
    let access: AccessPolicies | undefined;
    const resources = synthResources((scope) => {
      access = new AccessPolicies(scope, 'access', {
        resources: {
          region: 'us-east-1',
          bucketName: 'team-state',
          bucketArn: 'arn:aws:s3:::team-state',
          keyArn: 'arn:k',
          tableArn: undefined,
          lockfiles: true,
        },
        stateKeys: ['app/terraform.tfstate'],
        kopsPrefix: 'kops',
      });
    });
    const policies = Object.entries(resources.aws_iam_policy).map(([id, policy]) => [
      id,
      policy.name,
      policy.description,
    ]);
    expect(policies).toEqual([
      ['access_kops_805B0146', 'team-state-state-kops', 'Terraform state in s3://team-state: kops'],
      expect.arrayContaining([
        expect.stringMatching(/^access_read-only_[0-9A-F]{8}$/),
        'team-state-state-read-only',
        'Terraform state in s3://team-state: read-only',
      ]),
      expect.arrayContaining([
        expect.stringMatching(/^access_read-write_[0-9A-F]{8}$/),
        'team-state-state-read-write',
        'Terraform state in s3://team-state: read-write',
      ]),
    ]);
    // Each level's document is the one its policy carries (the read-only one has no write action).
    expect(resources.aws_iam_policy.access_kops_805B0146.policy).toBe(access!.policyJson.kops);
    const readOnly = Object.values(resources.aws_iam_policy).find(
      (policy) => policy.name === 'team-state-state-read-only',
    )!;
    expect(readOnly.policy).toBe(access!.policyJson['read-only']);
    expect(readOnly.policy).not.toContain('s3:PutObject');
    expect(access!.policyJson['read-write']).toContain('s3:PutObject');
  });
});
