import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { Testing } from 'cdktf';
import { ConfigError, UsageError } from '../errors';
import { DeployedReadError, deployedFromState, readDeployed } from '../exports/deployed';
import { exportSettings, needsDeployed } from '../exports/export';
import { policySize, type Statement } from '../iam/document';
import { kopsStatements, type StateResources, stateUserStatements } from '../iam/state-access';
import { BootstrapStack } from '../stacks/bootstrap-stack';
import { configFrom, onlyResource, problemsOf, synthAll } from './helpers';

const BUCKET = 'arn:aws:s3:::tfstate-0a1b2c3d4e5f-us-east-1';
const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const TABLE = 'arn:aws:dynamodb:us-east-1:123456789012:table/terraform-locks';
const RESOURCES: StateResources = {
  region: 'us-east-1',
  bucketName: 'tfstate-0a1b2c3d4e5f-us-east-1',
  bucketArn: BUCKET,
  keyArn: KEY_ARN,
  tableArn: TABLE,
  lockfiles: false,
};

/** Every (action, resource) pair a policy allows, so tests read like the Terraform S3 backend permission list. */
function grants(statements: readonly Statement[]): string[] {
  return statements
    .filter((statement) => statement.Effect === 'Allow')
    .flatMap((statement) =>
      [statement.Action]
        .flat()
        .flatMap((action) => [statement.Resource].flat().map((resource) => `${action} ${resource}`)),
    )
    .sort();
}

describe('state user statements (Terraform S3 backend permissions)', () => {
  test('read-write: list, state read/write, workspace deletes, lock and digest items, the key through S3; never deleting the state', () => {
    const statements = stateUserStatements(RESOURCES, 'read-write', ['app/terraform.tfstate']);
    expect(grants(statements)).toEqual(
      [
        `s3:ListBucket ${BUCKET}`,
        `s3:GetObject ${BUCKET}/app/terraform.tfstate`,
        `s3:PutObject ${BUCKET}/app/terraform.tfstate`,
        `s3:GetObject ${BUCKET}/env:/*/app/terraform.tfstate`,
        `s3:PutObject ${BUCKET}/env:/*/app/terraform.tfstate`,
        `s3:DeleteObject ${BUCKET}/env:/*/app/terraform.tfstate`,
        `dynamodb:GetItem ${TABLE}`,
        `dynamodb:PutItem ${TABLE}`,
        `dynamodb:DeleteItem ${TABLE}`,
        `kms:Decrypt ${KEY_ARN}`,
        `kms:GenerateDataKey ${KEY_ARN}`,
      ].sort(),
    );
    // Fix 4: a HeadObject of a missing key carries no s3:prefix; S3 answers 404 only with ListBucket on the bucket.
    expect(statements.find((s) => s.Sid === 'ListBucket')!.Condition).toBeUndefined();
    expect(statements.find((s) => s.Sid === 'UseStateKeyThroughS3')!.Condition).toEqual({
      StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' },
    });
  });
  test('IAM\'s * matches "/": the keys one folder deeper than a workspace or environment pattern are denied', () => {
    const statements = stateUserStatements(RESOURCES, 'read-write', [
      'app/terraform.tfstate',
      'env/*/terraform.tfstate',
    ]);
    expect(statements.find((s) => s.Sid === 'DenyKeysDeeperThanGranted')).toEqual({
      Sid: 'DenyKeysDeeperThanGranted',
      Effect: 'Deny',
      Action: ['s3:*'],
      Resource: [
        `${BUCKET}/env:/*/*/app/terraform.tfstate*`,
        `${BUCKET}/env/*/*/terraform.tfstate*`,
        `${BUCKET}/env:/*/*/env/*/terraform.tfstate*`,
        `${BUCKET}/env:/*/env/*/*/terraform.tfstate*`,
      ],
    });
  });
  test("fix 5: lock statements name the key's lock item, digest item and their workspace variants only", () => {
    const exported = JSON.parse(
      exportSettings(configFrom({ TFSTATE_ACCOUNT_ID: '123456789012' }), {
        format: 'policy',
        key: 'network/terraform.tfstate',
      }),
    );
    expect(exported.Statement.find((s: Statement) => s.Sid === 'LockAndDigestItems')).toEqual({
      Sid: 'LockAndDigestItems',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
      Resource: TABLE,
      Condition: {
        'ForAllValues:StringLike': {
          'dynamodb:LeadingKeys': [
            'tfstate-0a1b2c3d4e5f-us-east-1/network/terraform.tfstate',
            'tfstate-0a1b2c3d4e5f-us-east-1/network/terraform.tfstate-md5',
            'tfstate-0a1b2c3d4e5f-us-east-1/env:/*/network/terraform.tfstate',
            'tfstate-0a1b2c3d4e5f-us-east-1/env:/*/network/terraform.tfstate-md5',
          ],
        },
        // Workspace blue of another team's key platform/network/terraform.tfstate matches the pattern above.
        'ForAllValues:StringNotLike': {
          'dynamodb:LeadingKeys': [
            'tfstate-0a1b2c3d4e5f-us-east-1/env:/*/*/network/terraform.tfstate',
            'tfstate-0a1b2c3d4e5f-us-east-1/env:/*/*/network/terraform.tfstate-md5',
          ],
        },
      },
    });
  });
  test('lockfile locking adds the .tflock objects (read, write, delete) of every workspace', () => {
    const found = grants(
      stateUserStatements({ ...RESOURCES, lockfiles: true, tableArn: undefined }, 'read-write', ['k']),
    );
    expect(found).toEqual(
      expect.arrayContaining([`s3:DeleteObject ${BUCKET}/k.tflock`, `s3:PutObject ${BUCKET}/env:/*/k.tflock`]),
    );
    expect(found.filter((grant) => grant.startsWith('dynamodb:'))).toEqual([]);
  });
  test('read-only: objects, digest items and decrypt; nothing that writes', () => {
    const found = grants(stateUserStatements(RESOURCES, 'read-only', ['app/terraform.tfstate']));
    expect(found.filter((grant) => /Put|Delete|GenerateDataKey/.test(grant))).toEqual([]);
    expect(found).toContain(`dynamodb:GetItem ${TABLE}`);
  });
  test("fix 3: kOps may read the bucket's default encryption (else it sends AES256), locate and list the bucket", () => {
    expect(grants(kopsStatements(RESOURCES, 'kops'))).toEqual(
      [
        `s3:ListBucket ${BUCKET}`,
        `s3:GetBucketLocation ${BUCKET}`,
        `s3:GetEncryptionConfiguration ${BUCKET}`,
        `s3:GetObject ${BUCKET}/kops/*`,
        `s3:PutObject ${BUCKET}/kops/*`,
        `s3:DeleteObject ${BUCKET}/kops/*`,
        `kms:Decrypt ${KEY_ARN}`,
        `kms:GenerateDataKey ${KEY_ARN}`,
      ].sort(),
    );
  });
});

describe('fix 7: cross-account tiers', () => {
  test('readers get ListBucket and GetObject on state keys only; writers read-write plus the kOps store', () => {
    const { bootstrap } = synthAll({
      TFSTATE_CROSS_ACCOUNT_PRINCIPALS: '111122223333',
      TFSTATE_CROSS_ACCOUNT_READERS: 'arn:aws:iam::444455556666:role/reader',
    });
    const bucketPolicy = JSON.parse(
      Object.entries(bootstrap.json.resource.aws_s3_bucket_policy).find(([id]) =>
        id.startsWith('state-bucket_policy'),
      )![1].policy as string,
    );
    const byPrincipal = (principal: string) =>
      grants(bucketPolicy.Statement.filter((s: Statement) => JSON.stringify(s.Principal).includes(principal)));
    expect(byPrincipal('444455556666')).toEqual([
      `s3:GetObject ${BUCKET}/app/terraform.tfstate`,
      `s3:GetObject ${BUCKET}/env/*/terraform.tfstate`,
      `s3:GetObject ${BUCKET}/env:/*/app/terraform.tfstate`,
      `s3:GetObject ${BUCKET}/env:/*/env/*/terraform.tfstate`,
      `s3:ListBucket ${BUCKET}`,
    ]);
    expect(byPrincipal('111122223333')).toContain(`s3:PutObject ${BUCKET}/kops/*`);
    const keyPolicy = JSON.parse(onlyResource(bootstrap, 'aws_kms_key').policy as string);
    expect(keyPolicy.Statement.find((s: Statement) => s.Sid === 'ReadersUseStateKeyThroughS3')).toMatchObject({
      Action: ['kms:Decrypt'],
      Principal: { AWS: ['arn:aws:iam::444455556666:role/reader'] },
    });
  });
  test('a principal is a writer or a reader, not both', () => {
    expect(
      problemsOf({ TFSTATE_CROSS_ACCOUNT_PRINCIPALS: '111122223333', TFSTATE_CROSS_ACCOUNT_READERS: '111122223333' }),
    ).toEqual([
      'TFSTATE_CROSS_ACCOUNT_READERS="111122223333": is already a writer (TFSTATE_CROSS_ACCOUNT_PRINCIPALS) ("111122223333")',
    ]);
  });
  test('TFSTATE_ACCOUNT_ID must be 12 digits, and then no exported ARN names account *', () => {
    expect(problemsOf({ TFSTATE_ACCOUNT_ID: '12345' })).toEqual([
      'TFSTATE_ACCOUNT_ID="12345": must be a 12-digit AWS account id',
    ]);
    for (const level of ['read-write', 'read-only', 'kops']) {
      const text = exportSettings(configFrom({ TFSTATE_ACCOUNT_ID: '123456789012' }), { format: 'policy', level });
      expect(text).not.toMatch(/:\*:/);
      expect(text).toContain(':123456789012:');
    }
    expect(exportSettings(configFrom({ TFSTATE_ACCOUNT_ID: '123456789012' }), { format: 'json' })).not.toMatch(/:\*:/);
  });
  test("without the setting, the deployed bootstrap's key names the account", () => {
    const text = exportSettings(configFrom(), { format: 'policy' }, { keyArn: KEY_ARN });
    expect(text).not.toMatch(/:\*:/);
    expect(JSON.parse(text).Statement.find((s: Statement) => s.Sid === 'UseStateKeyThroughS3').Resource).toBe(KEY_ARN);
  });
  test('a setting that contradicts the deployed key is one line', () => {
    expect(() =>
      exportSettings(configFrom({ TFSTATE_ACCOUNT_ID: '999988887777' }), { format: 'policy' }, { keyArn: KEY_ARN }),
    ).toThrow(
      new UsageError(
        `TFSTATE_ACCOUNT_ID="999988887777": the deployed bootstrap's key ${KEY_ARN} is in account 123456789012`,
      ),
    );
  });
});

describe('fix 2: --for-account settings name the key and the table by ARN', () => {
  const deployed = { keyArn: KEY_ARN };
  const config = configFrom();
  test('terraform', () => {
    const text = exportSettings(config, { format: 'terraform', forAccount: '111122223333' }, deployed);
    expect(text).toContain(`kms_key_id     = "${KEY_ARN}"`);
    expect(text).toContain(`dynamodb_table = "${TABLE}"`);
  });
  test('lokomotive (no key setting there: its uploads take the bucket default)', () => {
    expect(
      exportSettings(
        config,
        { format: 'lokomotive', forAccount: '111122223333', key: 'lokomotive/c.tfstate' },
        deployed,
      ),
    ).toContain(`  dynamodb_table = "${TABLE}"`);
  });
  test('kops (the store URL is the same from any account)', () => {
    expect(exportSettings(config, { format: 'kops', forAccount: '111122223333' }, deployed)).toContain(
      "export KOPS_STATE_STORE='s3://tfstate-0a1b2c3d4e5f-us-east-1/kops'",
    );
  });
  test('json', () => {
    const json = JSON.parse(exportSettings(config, { format: 'json', forAccount: '111122223333' }, deployed));
    expect(json.backend).toMatchObject({ kms_key_id: KEY_ARN, dynamodb_table: TABLE });
    expect(JSON.stringify(json.policies)).not.toMatch(/:\*:/);
  });
  test('before deploy, or with a malformed account, it refuses in one line', () => {
    expect(() =>
      exportSettings(configFrom({ TFSTATE_ACCOUNT_ID: '123456789012' }), {
        format: 'terraform',
        forAccount: '111122223333',
      }),
    ).toThrow(
      "needs the ARN of the state's KMS key, which exists once bootstrap is deployed (output kms_key_arn); deploy bootstrap first, from this folder",
    );
    expect(() => exportSettings(config, { format: 'terraform', forAccount: '1111' }, deployed)).toThrow(
      '--for-account "1111": must be a 12-digit AWS account id',
    );
  });
  test("the key ARN is read from the bootstrap state's outputs", async () => {
    expect(
      deployedFromState(JSON.stringify({ outputs: { kms_key_arn: { value: KEY_ARN } } }), 'state', 'us-east-1'),
    ).toEqual({ keyArn: KEY_ARN });
    expect(deployedFromState(JSON.stringify({ outputs: {} }), 'state', 'us-east-1')).toEqual({});
    const root = mkdtempSync(join(tmpdir(), 'tfstate-deployed-'));
    const noS3 = (): S3Client => {
      throw new Error('local bootstrap state needs no S3 call');
    };
    const noSts = async (): Promise<string> => {
      throw new Error('local bootstrap state needs no STS call');
    };
    expect(await readDeployed(config, root, noS3, noSts)).toEqual({});
    writeFileSync(
      join(root, 'terraform.bootstrap.tfstate'),
      JSON.stringify({ outputs: { kms_key_arn: { value: KEY_ARN } } }),
    );
    expect(await readDeployed(config, root, noS3, noSts)).toEqual({ keyArn: KEY_ARN });
  });
  // A local state cut short by a crash (Terraform rewrites it in place) was a SyntaxError stack trace, and a
  // wildcard ARN in the outputs went into every policy printed from them.
  test('a state that is not JSON, or a kms_key_arn that is not one key, is one line', () => {
    expect(() => deployedFromState('', 'terraform.bootstrap.tfstate', 'us-east-1')).toThrow(
      new DeployedReadError(
        'terraform.bootstrap.tfstate: is not a Terraform state (Unexpected end of JSON input); restore it from its .backup or redeploy bootstrap',
      ),
    );
    expect(() =>
      deployedFromState(
        '{"outputs": {"kms_key_arn": {"value": "arn:aws:kms:us-east-1:123456789012:key/*"}}}',
        'terraform.bootstrap.tfstate',
        'us-east-1',
      ),
    ).toThrow(
      new DeployedReadError(
        'terraform.bootstrap.tfstate: output kms_key_arn="arn:aws:kms:us-east-1:123456789012:key/*": must end in key/<key id> (a UUID or mrk-<32 hex digits>)',
      ),
    );
    expect(() =>
      deployedFromState('{"outputs": {"kms_key_arn": {"value": "*"}}}', 'terraform.bootstrap.tfstate', 'us-east-1'),
    ).toThrow(
      new DeployedReadError(
        'terraform.bootstrap.tfstate: output kms_key_arn="*": must be a KMS key ARN such as arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      ),
    );
  });
  test('after phase 3 the outputs come from the bucket: absent is "not deployed", unreadable is one line', async () => {
    const inBucket = configFrom({ TFSTATE_BOOTSTRAP_BACKEND: 's3' });
    const caller = async () => '123456789012';
    const failing = (name: string) => () =>
      ({ send: async () => Promise.reject(Object.assign(new Error('boom'), { name })) }) as unknown as S3Client;
    expect(await readDeployed(inBucket, '/nonexistent', failing('NoSuchKey'), caller)).toEqual({});
    await expect(readDeployed(inBucket, '/nonexistent', failing('AccessDenied'), caller)).rejects.toThrow(
      new DeployedReadError(
        "reading the bootstrap's outputs from s3://tfstate-0a1b2c3d4e5f-us-east-1/bootstrap/terraform.tfstate as a bucket of account 123456789012 (the caller's): AccessDenied: boom",
      ),
    );
    await expect(readDeployed(inBucket, '/nonexistent', failing('AbortError'), caller)).rejects.toThrow(
      new DeployedReadError(
        "reading the bootstrap's outputs from s3://tfstate-0a1b2c3d4e5f-us-east-1/bootstrap/terraform.tfstate as a bucket of account 123456789012 (the caller's): no answer within 20 s",
      ),
    );
  });
  test('only settings that name account-specific ARNs read the deployed outputs', () => {
    expect([{}, { format: 'kops' }, { format: 'lokomotive' }].map((request) => needsDeployed(request))).toEqual([
      false,
      false,
      false,
    ]);
    expect(
      [{ format: 'policy' }, { format: 'json' }, { format: 'terraform', forAccount: '111122223333' }].map((request) =>
        needsDeployed(request),
      ),
    ).toEqual([true, true, true]);
  });
});

describe("fix 8: every document fits AWS's limits, checked at synth", () => {
  const principals = (first: number) =>
    Array.from(
      { length: 50 },
      (_, i) => `arn:aws:iam::${String(first + i).padStart(12, '0')}:role/terraform-state-user-${i}`,
    ).join(',');
  /** Sizes of the bootstrap stack's policy documents (the app stacks hold none), by resource name. */
  const policySizes = (env: Record<string, string>) => {
    const resources = JSON.parse(Testing.synth(new BootstrapStack(Testing.app(), 'bootstrap', configFrom(env))))
      .resource as Record<string, Record<string, { policy: string }>>;
    return Object.fromEntries(
      ['aws_s3_bucket_policy', 'aws_kms_key', 'aws_dynamodb_resource_policy', 'aws_iam_policy'].flatMap((type) =>
        Object.entries(resources[type] ?? {}).map(([name, r]) => [name, policySize(r.policy)]),
      ),
    );
  };
  test('1,000 environments and 50 writers plus 50 readers synthesize; the managed policies do not grow with environments', () => {
    const crossAccount = {
      TFSTATE_CROSS_ACCOUNT_PRINCIPALS: principals(100000000000),
      TFSTATE_CROSS_ACCOUNT_READERS: principals(200000000000),
    };
    const thousand = policySizes({
      ...crossAccount,
      TFSTATE_ENVIRONMENTS: Array.from({ length: 1000 }, (_, i) => `e${i}`).join(','),
    });
    expect(policySizes({ ...crossAccount, TFSTATE_ENVIRONMENTS: 'dev' })).toEqual(thousand);
    expect(thousand['state-bucket_policy_7580CD97']).toBeLessThan(20_480);
  });
  test('too many principals is one line naming the document, its size and the limit', () => {
    const many = (first: number) => Array.from({ length: 2 }, (_, i) => principals(first + i * 100)).join(',');
    let error: unknown;
    try {
      policySizes({
        TFSTATE_CROSS_ACCOUNT_PRINCIPALS: many(100000000000),
        TFSTATE_CROSS_ACCOUNT_READERS: many(200000000000),
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(
        /^state bucket policy: \d+ characters, over AWS's limit of 20480 for a bucket policy; it grows with TFSTATE_CROSS_ACCOUNT_PRINCIPALS and TFSTATE_CROSS_ACCOUNT_READERS \(200 principals\)$/,
      ),
    ]);
  });
  test('a state key too long for the managed policies is one line naming the policy, its size and the settings', () => {
    expect(() => policySizes({ TFSTATE_KEY: `${'k'.repeat(600)}/terraform.tfstate` })).toThrow(
      new ConfigError([
        "managed policy read-write: 8342 characters, over AWS's limit of 6144 for a managed policy; it grows with TFSTATE_KEY and TFSTATE_ENV_KEY_PREFIX",
      ]),
    );
  });
  test('sizes count Terraform references at their longest and ignore whitespace', () => {
    expect(policySize('{"a": "${aws_kms_key.k.arn}"}')).toBe('{"a":""}'.length + 200);
  });
});
