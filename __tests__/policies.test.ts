import {
  crossAccountBucketStatements,
  crossAccountKeyStatements,
  crossAccountTableStatements,
  IamStatement,
  statePolicyDocument,
} from '../config/policies';
import { configFrom, onlyResource, synthAll } from './helpers';

const BUCKET = 'arn:aws:s3:::tfstate-0a1b2c3d4e5f-us-east-1';
const TABLE = 'arn:aws:dynamodb:us-east-1:*:table/terraform-locks';

/** Every (action, resource) pair a policy allows, so tests read like the Terraform S3 backend permission list. */
function grants(statements: readonly IamStatement[]): string[] {
  return statements.flatMap((statement) =>
    statement.Action.flatMap((action) => [statement.Resource].flat().map((resource) => `${action} ${resource}`)),
  ).sort();
}

describe('read-write state policy (Terraform S3 backend permissions)', () => {
  test('dynamodb locking: state objects read/write, the four table actions, KMS via the alias; no object deletes but workspaces', () => {
    const policy = statePolicyDocument(configFrom(), 'read-write');
    expect(grants(policy.Statement)).toEqual(
      [
        `s3:ListBucket ${BUCKET}`,
        `s3:GetObject ${BUCKET}/app/terraform.tfstate`,
        `s3:GetObject ${BUCKET}/env:/*/app/terraform.tfstate`,
        `s3:PutObject ${BUCKET}/app/terraform.tfstate`,
        `s3:PutObject ${BUCKET}/env:/*/app/terraform.tfstate`,
        `s3:DeleteObject ${BUCKET}/env:/*/app/terraform.tfstate`,
        `dynamodb:DescribeTable ${TABLE}`,
        `dynamodb:GetItem ${TABLE}`,
        `dynamodb:PutItem ${TABLE}`,
        `dynamodb:DeleteItem ${TABLE}`,
        'kms:Encrypt arn:aws:kms:us-east-1:*:key/*',
        'kms:Decrypt arn:aws:kms:us-east-1:*:key/*',
        'kms:GenerateDataKey arn:aws:kms:us-east-1:*:key/*',
      ].sort(),
    );
    const list = policy.Statement.find((s) => s.Sid === 'ListStateKeys');
    expect(list?.Condition).toEqual({ StringLike: { 's3:prefix': ['app/terraform.tfstate', 'app/terraform.tfstate.tflock', 'env:/*'] } });
    const kms = policy.Statement.find((s) => s.Sid === 'EncryptState');
    expect(kms?.Condition).toEqual({ 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/tfstate-0a1b2c3d4e5f-us-east-1' } });
  });

  test('s3 locking: lockfiles may be read, written and deleted; no table at all', () => {
    const found = grants(statePolicyDocument(configFrom({ TFSTATE_LOCKING: 's3' }), 'read-write').Statement);
    expect(found).toEqual(expect.arrayContaining([`s3:DeleteObject ${BUCKET}/app/terraform.tfstate.tflock`, `s3:PutObject ${BUCKET}/app/terraform.tfstate.tflock`]));
    expect(found.filter((grant) => grant.startsWith('dynamodb:'))).toEqual([]);
    // Deleting the state object itself is never allowed.
    expect(found).not.toContain(`s3:DeleteObject ${BUCKET}/app/terraform.tfstate`);
  });

  test('both: lockfile and table grants', () => {
    const found = grants(statePolicyDocument(configFrom({ TFSTATE_LOCKING: 'both' }), 'read-write').Statement);
    expect(found).toEqual(expect.arrayContaining([`s3:DeleteObject ${BUCKET}/app/terraform.tfstate.tflock`, `dynamodb:PutItem ${TABLE}`]));
  });

  test('covers every environment key and nothing else', () => {
    const found = grants(statePolicyDocument(configFrom({ TFSTATE_ENVIRONMENTS: 'dev' }), 'read-write').Statement);
    expect(found).toContain(`s3:PutObject ${BUCKET}/env/dev/terraform.tfstate`);
    expect(found.filter((grant) => grant.includes('bootstrap'))).toEqual([]);
    for (const grant of found) expect(grant.split(' ')[1]).not.toBe('*');
  });

  test('the account id narrows table and key ARNs when known', () => {
    const found = grants(statePolicyDocument(configFrom(), 'read-write', { accountId: '123456789012' }).Statement);
    expect(found).toContain('dynamodb:PutItem arn:aws:dynamodb:us-east-1:123456789012:table/terraform-locks');
  });
});

describe('read-only state policy (terraform_remote_state readers)', () => {
  test.each(['dynamodb', 's3', 'both'])('%s locking: get state and decrypt only, plus the digest item when there is a table', (locking) => {
    const found = grants(statePolicyDocument(configFrom({ TFSTATE_LOCKING: locking }), 'read-only').Statement);
    const writes = found.filter((grant) => /Put|Delete|Encrypt|GenerateDataKey/.test(grant));
    expect(writes).toEqual([]);
    expect(found).toContain(`s3:GetObject ${BUCKET}/app/terraform.tfstate`);
    expect(found).toContain('kms:Decrypt arn:aws:kms:us-east-1:*:key/*');
    expect(found.includes(`dynamodb:GetItem ${TABLE}`)).toBe(locking !== 's3');
  });
});

describe('kOps state store policy', () => {
  test('the whole store folder, bucket location, and the key', () => {
    const found = grants(statePolicyDocument(configFrom(), 'kops').Statement);
    expect(found).toEqual(
      [
        `s3:GetBucketLocation ${BUCKET}`,
        `s3:ListBucket ${BUCKET}`,
        `s3:GetObject ${BUCKET}/kops/*`,
        `s3:PutObject ${BUCKET}/kops/*`,
        `s3:DeleteObject ${BUCKET}/kops/*`,
        'kms:Encrypt arn:aws:kms:us-east-1:*:key/*',
        'kms:Decrypt arn:aws:kms:us-east-1:*:key/*',
        'kms:GenerateDataKey arn:aws:kms:us-east-1:*:key/*',
      ].sort(),
    );
  });
});

describe('cross-account access', () => {
  const config = configFrom({ TFSTATE_CROSS_ACCOUNT_PRINCIPALS: '111122223333,arn:aws:iam::444455556666:role/kops' });
  const principals = ['arn:aws:iam::111122223333:root', 'arn:aws:iam::444455556666:role/kops'];

  test('bucket policy: exactly the state-user S3 actions plus s3:GetBucketLocation, for exactly those principals', () => {
    const statements = crossAccountBucketStatements(config);
    for (const statement of statements) expect(statement.Principal).toEqual({ AWS: principals });
    const actions = new Set(statements.flatMap((s) => s.Action));
    expect([...actions].sort()).toEqual(['s3:DeleteObject', 's3:GetBucketLocation', 's3:GetObject', 's3:ListBucket', 's3:PutObject']);
    expect(grants(statements)).not.toContain(`s3:DeleteObject ${BUCKET}/app/terraform.tfstate`);
  });
  test('key and table policies grant only the state actions', () => {
    expect(crossAccountKeyStatements(config)).toEqual([
      expect.objectContaining({ Principal: { AWS: principals }, Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'], Resource: '*' }),
    ]);
    expect(crossAccountTableStatements(config, 'arn:table')).toEqual([
      expect.objectContaining({ Principal: { AWS: principals }, Action: ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'] }),
    ]);
  });
  test('without principals nothing is granted', () => {
    expect(crossAccountBucketStatements(configFrom())).toEqual([]);
    expect(crossAccountKeyStatements(configFrom())).toEqual([]);
    expect(crossAccountTableStatements(configFrom(), 'arn:table')).toEqual([]);
  });
  test('the bootstrap stack puts the grants in the bucket policy and a table resource policy', () => {
    const { bootstrap } = synthAll({ TFSTATE_CROSS_ACCOUNT_PRINCIPALS: '111122223333' });
    const [, statePolicy] = Object.entries(bootstrap.json.resource.aws_s3_bucket_policy).find(([id]) => id.startsWith('state-bucket_policy'))!;
    const policy = JSON.parse(statePolicy.policy as string);
    expect(policy.Statement.map((s: IamStatement) => s.Sid)).toEqual(expect.arrayContaining(['DenyInsecureTransport', 'CrossAccountLocateStateStore', 'CrossAccountReadWriteState']));
    const tablePolicy = JSON.parse(onlyResource(bootstrap, 'aws_dynamodb_resource_policy').policy as string);
    expect(tablePolicy.Statement[0].Principal).toEqual({ AWS: ['arn:aws:iam::111122223333:root'] });
    const keyPolicy = JSON.parse(onlyResource(bootstrap, 'aws_kms_key').policy as string);
    expect(keyPolicy.Statement).toContainEqual(expect.objectContaining({ Sid: 'CrossAccountUseStateKey', Principal: { AWS: ['arn:aws:iam::111122223333:root'] } }));
  });
});

describe('managed policies in the bootstrap stack', () => {
  test('read-write, read-only and kOps, named after the bucket, scoped to the caller account', () => {
    const { bootstrap } = synthAll();
    const policies = Object.values(bootstrap.json.resource.aws_iam_policy);
    expect(policies.map((p) => p.name).sort()).toEqual([
      'tfstate-0a1b2c3d4e5f-us-east-1-state-kops',
      'tfstate-0a1b2c3d4e5f-us-east-1-state-read-only',
      'tfstate-0a1b2c3d4e5f-us-east-1-state-read-write',
    ]);
    const readWrite = policies.find((p) => String(p.name).endsWith('read-write'));
    expect(readWrite?.policy).toContain('${data.aws_caller_identity.account.account_id}');
  });
});
