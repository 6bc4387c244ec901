import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/load';
import { defaultBucketName } from '../config/naming';
import { configFrom, dirWithConfig, EMPTY_DIR, PROJECT_ID, problemsOf } from './helpers';

describe('defaults', () => {
  // Each test loads its own config: a mutant reached outside a test would run against every test of the folder.
  test('derive every name from the project and region', () => {
    expect(configFrom()).toEqual({
      projectId: PROJECT_ID,
      region: 'us-east-1',
      bucket: 'tfstate-0a1b2c3d4e5f-us-east-1',
      lockTable: 'terraform-locks',
      locking: 'dynamodb',
      stateKey: 'app/terraform.tfstate',
      kmsAlias: 'alias/tfstate-0a1b2c3d4e5f-us-east-1',
      noncurrentVersionDays: 90,
      endpoint: undefined,
      bootstrapBackend: 'local',
      bootstrapStateKey: 'bootstrap/terraform.tfstate',
      allowDestroy: false,
      environments: [],
      environmentKeyPrefix: 'env',
      crossAccountPrincipals: [],
      crossAccountReaders: [],
      accountId: undefined,
      kopsPrefix: 'kops',
      logBucket: 'tfstate-0a1b2c3d4e5f-us-east-1-logs',
      accessLogDays: 365,
      replica: undefined,
      acceptedRisks: [],
      adopt: false,
      kmsKeyArn: undefined,
      tags: {},
      origins: {},
    });
  });
  test('are frozen, lists and the replica too', () => {
    const config = configFrom({
      TFSTATE_ENVIRONMENTS: 'dev',
      TFSTATE_CROSS_ACCOUNT_PRINCIPALS: '111122223333',
      TFSTATE_CROSS_ACCOUNT_READERS: '444455556666',
      TFSTATE_ACCEPT_RISKS: 'short-retention',
      TFSTATE_REPLICA_REGION: 'us-west-2',
    });
    const frozen = [
      config,
      config.environments,
      config.crossAccountPrincipals,
      config.crossAccountReaders,
      config.acceptedRisks,
      config.replica,
      config.tags,
    ].map(Object.isFrozen);
    expect(frozen).toEqual([true, true, true, true, true, true, true]);
  });
  test('the default bucket name is stable and follows the region', () => {
    expect(defaultBucketName(PROJECT_ID, 'eu-west-1')).toBe('tfstate-0a1b2c3d4e5f-eu-west-1');
    expect(defaultBucketName(PROJECT_ID, 'us-east-1')).toBe('tfstate-0a1b2c3d4e5f-us-east-1');
    expect(configFrom({ AWS_REGION: 'eu-west-1' }).bucket).toBe('tfstate-0a1b2c3d4e5f-eu-west-1');
  });
  test('projectId comes from cdktf.json when not given', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfstate-project-'));
    writeFileSync(join(dir, 'cdktf.json'), JSON.stringify({ projectId: 'ffffffff-0000-4000-8000-000000000000' }));
    expect(loadConfig({ env: {}, cwd: dir })).toMatchObject({
      projectId: 'ffffffff-0000-4000-8000-000000000000',
      bucket: 'tfstate-ffffffff0000-us-east-1',
    });
  });
  test('a missing cdktf.json is an error only when the bucket is not set', () => {
    expect(() => loadConfig({ env: {}, cwd: EMPTY_DIR })).toThrow(/cdktf.json.*set TFSTATE_BUCKET/);
    expect(loadConfig({ env: { TFSTATE_BUCKET: 'given-bucket' }, cwd: EMPTY_DIR }).bucket).toBe('given-bucket');
  });
});

describe('sources, highest first', () => {
  test('region: TFSTATE_REGION, then AWS_REGION, then AWS_DEFAULT_REGION', () => {
    expect(configFrom({ AWS_DEFAULT_REGION: 'eu-west-2' }).region).toBe('eu-west-2');
    expect(configFrom({ AWS_DEFAULT_REGION: 'eu-west-2', AWS_REGION: 'eu-west-3' }).region).toBe('eu-west-3');
    expect(
      configFrom({ AWS_DEFAULT_REGION: 'eu-west-2', AWS_REGION: 'eu-west-3', TFSTATE_REGION: 'ap-south-1' }).region,
    ).toBe('ap-south-1');
  });
  test('environment variables win over the config file, the file over defaults', () => {
    const dir = dirWithConfig({
      bucket: 'file-bucket',
      lockTable: 'file-locks',
      region: 'eu-north-1',
      noncurrentVersionDays: 30,
    });
    const fromFile = configFrom({ AWS_REGION: 'us-west-2' }, dir);
    expect(fromFile).toMatchObject({
      bucket: 'file-bucket',
      lockTable: 'file-locks',
      region: 'eu-north-1',
      noncurrentVersionDays: 30,
    });
    expect(configFrom({ TFSTATE_BUCKET: 'env-bucket', TFSTATE_NONCURRENT_DAYS: '60' }, dir)).toMatchObject({
      bucket: 'env-bucket',
      lockTable: 'file-locks',
      noncurrentVersionDays: 60,
    });
  });
  test('TFSTATE_CONFIG names another file, relative to the project root', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfstate-config-'));
    writeFileSync(join(dir, 'prod.json'), JSON.stringify({ locking: 's3', environments: ['dev', 'prod'] }));
    expect(configFrom({ TFSTATE_CONFIG: 'prod.json' }, dir)).toMatchObject({
      locking: 's3',
      lockTable: undefined,
      environments: ['dev', 'prod'],
    });
    expect(problemsOf({ TFSTATE_CONFIG: 'missing.json' }, dir)).toEqual([
      'TFSTATE_CONFIG="missing.json": file does not exist',
    ]);
  });
  test('every TFSTATE_* setting is read', () => {
    const config = configFrom({
      TFSTATE_BUCKET: 'b-1',
      TFSTATE_REGION: 'eu-central-1',
      TFSTATE_LOCK_TABLE: 'locks',
      TFSTATE_KEY: 'x/y.tfstate',
      TFSTATE_LOCKING: 'both',
      TFSTATE_KMS_ALIAS: 'alias/state',
      TFSTATE_NONCURRENT_DAYS: '14',
      TFSTATE_BOOTSTRAP_BACKEND: 's3',
      TFSTATE_BOOTSTRAP_KEY: 'boot/state',
      TFSTATE_ALLOW_DESTROY: 'true',
      TFSTATE_ENVIRONMENTS: 'dev, prod',
      TFSTATE_ENV_KEY_PREFIX: 'envs',
      TFSTATE_CROSS_ACCOUNT_PRINCIPALS: '111122223333,arn:aws:iam::444455556666:role/ci',
      TFSTATE_KOPS_PREFIX: 'clusters',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:5000/',
      TFSTATE_ACCESS_LOGGING: 'false',
      TFSTATE_LOG_BUCKET: 'unused-logs',
      TFSTATE_ACCESS_LOG_DAYS: '30',
      TFSTATE_REPLICA_REGION: 'eu-west-1',
      TFSTATE_REPLICA_BUCKET: 'b-1-copy',
      TFSTATE_ACCEPT_RISKS: 'short-retention,no-access-logging',
    });
    expect(config).toMatchObject({
      logBucket: undefined,
      accessLogDays: 30,
      replica: { region: 'eu-west-1', bucket: 'b-1-copy', logBucket: undefined },
      acceptedRisks: ['short-retention', 'no-access-logging'],
      bucket: 'b-1',
      region: 'eu-central-1',
      lockTable: 'locks',
      stateKey: 'x/y.tfstate',
      locking: 'both',
      kmsAlias: 'alias/state',
      noncurrentVersionDays: 14,
      bootstrapBackend: 's3',
      bootstrapStateKey: 'boot/state',
      allowDestroy: true,
      environments: ['dev', 'prod'],
      environmentKeyPrefix: 'envs',
      crossAccountPrincipals: ['111122223333', 'arn:aws:iam::444455556666:role/ci'],
      kopsPrefix: 'clusters',
      endpoint: 'http://127.0.0.1:5000',
    });
  });
  test('an empty AWS_ENDPOINT_URL means real AWS, as in the AWS SDKs', () => {
    expect(configFrom({ AWS_ENDPOINT_URL: '' }).endpoint).toBeUndefined();
  });
  test('dots in the bucket do not leak into the derived KMS alias', () => {
    expect(configFrom({ TFSTATE_BUCKET: 'state.example.com' }).kmsAlias).toBe('alias/state-example-com');
  });
});

describe('bad settings: one line each naming the setting, the value and the rule', () => {
  test.each([
    [
      { TFSTATE_BUCKET: 'Bad_Bucket' },
      'TFSTATE_BUCKET="Bad_Bucket": may contain only lowercase letters, digits, dots (.) and hyphens (-)',
    ],
    [{ TFSTATE_BUCKET: 'ab' }, 'TFSTATE_BUCKET="ab": must be 3 to 63 characters long (has 2)'],
    [{ TFSTATE_BUCKET: '10.0.0.1' }, 'TFSTATE_BUCKET="10.0.0.1": must not be formatted as an IP address'],
    [{ TFSTATE_BUCKET: '' }, 'TFSTATE_BUCKET="": must not be empty (unset it to use the default)'],
    [
      { TFSTATE_REGION: 'moon-1' },
      'TFSTATE_REGION="moon-1": must be an AWS region code such as us-east-1 or eu-central-1',
    ],
    [{ AWS_REGION: 'Europe' }, 'AWS_REGION="Europe": must be an AWS region code such as us-east-1 or eu-central-1'],
    [
      { TFSTATE_LOCK_TABLE: 'a b' },
      'TFSTATE_LOCK_TABLE="a b": may contain only letters, digits, underscores (_), hyphens (-) and dots (.)',
    ],
    [{ TFSTATE_KEY: '/abs/key' }, 'TFSTATE_KEY="/abs/key": must not start or end with "/" (Terraform S3 backend rule)'],
    [{ TFSTATE_LOCKING: 'redis' }, 'TFSTATE_LOCKING="redis": must be one of dynamodb, s3, both'],
    [{ TFSTATE_LOCKING: 'DynamoDB' }, 'TFSTATE_LOCKING="DynamoDB": must be one of dynamodb, s3, both'],
    [{ AWS_ENDPOINT_URL: 'localhost:5000' }, 'AWS_ENDPOINT_URL="localhost:5000": must use http:// or https://'],
    [{ TFSTATE_KMS_ALIAS: 'mykey' }, 'TFSTATE_KMS_ALIAS="mykey": must start with "alias/"'],
    [{ TFSTATE_NONCURRENT_DAYS: '0' }, 'TFSTATE_NONCURRENT_DAYS="0": must be a whole number of days from 1 to 36500'],
    [{ TFSTATE_NONCURRENT_DAYS: 'ninety' }, 'TFSTATE_NONCURRENT_DAYS="ninety": must be a whole number'],
    [{ TFSTATE_BOOTSTRAP_BACKEND: 'consul' }, 'TFSTATE_BOOTSTRAP_BACKEND="consul": must be one of local, s3'],
    [{ TFSTATE_ALLOW_DESTROY: 'yes' }, 'TFSTATE_ALLOW_DESTROY="yes": must be true or false'],
    [
      { TFSTATE_ENVIRONMENTS: 'dev,Prod' },
      'TFSTATE_ENVIRONMENTS="dev,Prod": each environment must be 1 to 32 lowercase letters, digits or hyphens, starting with a letter ("Prod")',
    ],
    [
      { TFSTATE_ENVIRONMENTS: 'dev,dev' },
      'TFSTATE_ENVIRONMENTS="dev,dev": each environment must be listed once ("dev")',
    ],
    [
      { TFSTATE_ENV_KEY_PREFIX: 'env:' },
      'TFSTATE_ENV_KEY_PREFIX="env:": must not contain ":" (reserved for workspace key prefixes)',
    ],
    [
      { TFSTATE_CROSS_ACCOUNT_PRINCIPALS: '*' },
      'TFSTATE_CROSS_ACCOUNT_PRINCIPALS="*": must not contain wildcards (every principal is named explicitly) ("*")',
    ],
    [
      { TFSTATE_CROSS_ACCOUNT_PRINCIPALS: 'arn:aws:iam::1234:root' },
      'TFSTATE_CROSS_ACCOUNT_PRINCIPALS="arn:aws:iam::1234:root": must be a 12-digit account id or an IAM ARN such as arn:aws:iam::123456789012:role/terraform ("arn:aws:iam::1234:root")',
    ],
    [
      { TFSTATE_KOPS_PREFIX: '/kops' },
      'TFSTATE_KOPS_PREFIX="/kops": must not start or end with "/" (Terraform S3 backend rule)',
    ],
    [{ TFSTATE_BUKET: 'x' }, expect.stringMatching(/^TFSTATE_BUKET: unknown setting \(known: TFSTATE_BUCKET, /)],
    [
      { TFSTATE_KEY: 'same', TFSTATE_BOOTSTRAP_KEY: 'same' },
      'TFSTATE_BOOTSTRAP_KEY="same": is already the state key of TFSTATE_KEY; two stacks must not share a state object',
    ],
    [
      { TFSTATE_KEY: 'env/dev/terraform.tfstate', TFSTATE_ENVIRONMENTS: 'dev' },
      'TFSTATE_KEY="env/dev/terraform.tfstate": lies in folder "env" (TFSTATE_ENV_KEY_PREFIX), the environments\' state keys; choose a key outside it',
    ],
    // IAM's * spans "/": env/*/terraform.tfstate would grant every state user env/bootstrap/terraform.tfstate;
    // any key in the environments' folder is refused for that reason.
    [
      { TFSTATE_BOOTSTRAP_KEY: 'env/bootstrap/terraform.tfstate', TFSTATE_ENVIRONMENTS: 'dev' },
      'TFSTATE_BOOTSTRAP_KEY="env/bootstrap/terraform.tfstate": lies in folder "env" (TFSTATE_ENV_KEY_PREFIX), the environments\' state keys; choose a key outside it',
    ],
    // The policies deny env/*/*/terraform.tfstate* (keys deeper than an environment): refused as in the folder, too.
    [
      { TFSTATE_KEY: 'env/shared/network/terraform.tfstate', TFSTATE_ENVIRONMENTS: 'dev' },
      'TFSTATE_KEY="env/shared/network/terraform.tfstate": lies in folder "env" (TFSTATE_ENV_KEY_PREFIX), the environments\' state keys; choose a key outside it',
    ],
    // env:/*/*/terraform.tfstate* (other keys' workspaces) would reach workspace blue of environment dev.
    [
      { TFSTATE_KEY: 'terraform.tfstate', TFSTATE_ENVIRONMENTS: 'dev' },
      'TFSTATE_KEY="terraform.tfstate": the policies deny env:/*/*/terraform.tfstate* (keys deeper than a workspace or environment pattern, since IAM\'s * also matches "/"), which reaches env:/w/env/dev/terraform.tfstate, a key of this project; pick a key in a folder of its own outside env/',
    ],
    [
      { TFSTATE_ENVIRONMENTS: 'app' },
      'TFSTATE_KEY="app/terraform.tfstate": the policies deny env:/*/*/app/terraform.tfstate* (keys deeper than a workspace or environment pattern, since IAM\'s * also matches "/"), which reaches env:/w/env/app/terraform.tfstate, a key of this project; pick a key in a folder of its own outside env/',
    ],
  ])('%j', (env, message) => {
    expect(problemsOf(env as Record<string, string>)).toEqual([message]);
  });

  test('every problem is reported at once, each on one line', () => {
    const problems = problemsOf({ TFSTATE_BUCKET: 'UPPER', TFSTATE_REGION: 'nowhere', TFSTATE_LOCKING: 'none' });
    expect(problems).toHaveLength(3);
    for (const line of problems) expect(line).not.toContain('\n');
  });

  test('config file mistakes name the file and the key', () => {
    expect(problemsOf({}, dirWithConfig({ bucket: 'Nope' }))).toEqual([
      'tfstate.config.json: bucket="Nope": may contain only lowercase letters, digits, dots (.) and hyphens (-)',
    ]);
    expect(problemsOf({}, dirWithConfig({ bukket: 'x' }))[0]).toMatch(/^tfstate.config.json: bukket: unknown setting/);
    expect(problemsOf({}, dirWithConfig({ bucket: 42 }))).toEqual(['tfstate.config.json: bucket=42: must be a string']);
    expect(problemsOf({}, dirWithConfig('{ not json'))[0]).toMatch(/^tfstate.config.json: is not valid JSON/);
    expect(problemsOf({}, dirWithConfig([1, 2]))).toEqual(['tfstate.config.json: must hold a JSON object of settings']);
    expect(problemsOf({}, dirWithConfig({ environments: [1] }))).toEqual([
      'tfstate.config.json: environments=[1]: must be a comma-separated string or a list of strings',
    ]);
  });
});

describe('the project and the file', () => {
  test.each([
    ['{"projectId": "0a1b2c3d4e5"}', '11 hex digits'],
    ['{"projectId": "0a1b2c3d4e5z-0000"}', 'not hex'],
    ['{"language": "typescript"}', 'missing'],
  ])('a cdktf.json projectId that is no UUID (%s, %s) leaves the bucket to be set', (cdktf) => {
    const dir = mkdtempSync(join(tmpdir(), 'tfstate-project-'));
    writeFileSync(join(dir, 'cdktf.json'), cdktf);
    expect(() => loadConfig({ env: {}, cwd: dir })).toThrow(
      new Error(
        'cdktf.json: projectId is missing or not a UUID, so no default bucket name can be derived (set TFSTATE_BUCKET)',
      ),
    );
  });
  test('TFSTATE_CONFIG may be an absolute path; messages name it', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tfstate-abs-')), 'team.json');
    writeFileSync(path, JSON.stringify({ bucket: 'Nope' }));
    expect(problemsOf({ TFSTATE_CONFIG: path })).toEqual([
      `${path}: bucket="Nope": may contain only lowercase letters, digits, dots (.) and hyphens (-)`,
    ]);
  });
  test('a value of exactly 100 characters as JSON is shown whole', () => {
    const name = 'B'.repeat(98);
    expect(problemsOf({ TFSTATE_BUCKET: name })).toEqual([
      `TFSTATE_BUCKET="${name}": must be 3 to 63 characters long (has 98)`,
    ]);
  });
});
