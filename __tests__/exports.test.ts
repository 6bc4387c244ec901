import { execFileSync, spawnSync } from 'node:child_process';
import { stackStateKey } from '../config/naming';
import { exportSettings } from '../exports/export';
import { hclString, renderLokomotive, shellQuote } from '../exports/render';
import { configFrom, synthAll } from './helpers';

const EMULATOR = 'http://127.0.0.1:5000';

/** terraform fmt parses HCL and prints it canonically: equal output means valid, already-formatted HCL. */
function terraformFmt(hcl: string): string {
  return execFileSync('terraform', ['fmt', '-'], {
    input: hcl,
    encoding: 'utf8',
    env: { ...process.env, CHECKPOINT_DISABLE: '1' },
  });
}

/** Sources the kOps exports in a clean shell and prints the resulting variables. */
function sourceKops(script: string, env: Record<string, string> = {}): Record<string, string> {
  const result = spawnSync('bash', ['-c', `${script}\nenv`], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  expect(result.status).toBe(0);
  return Object.fromEntries(
    result.stdout
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** The app stack's backend settings of the test config, apart from locking. */
const COMMON = {
  bucket: 'tfstate-0a1b2c3d4e5f-us-east-1',
  key: 'app/terraform.tfstate',
  region: 'us-east-1',
  encrypt: true,
  kms_key_id: 'alias/tfstate-0a1b2c3d4e5f-us-east-1',
};

describe('terraform partial backend file', () => {
  test.each([
    ['dynamodb', { ...COMMON, dynamodb_table: 'terraform-locks' }],
    ['s3', { ...COMMON, use_lockfile: true }],
    ['both', { ...COMMON, dynamodb_table: 'terraform-locks', use_lockfile: true }],
  ])('%s locking: valid HCL, exactly the app backend', (locking, expected) => {
    const env = { TFSTATE_LOCKING: locking };
    const text = exportSettings(configFrom(env), { format: 'terraform' });
    expect(terraformFmt(text)).toBe(text);
    const attributes = Object.fromEntries(
      text
        .split('\n')
        .filter((line) => line.includes(' = '))
        .map((line) => line.split(/\s+=\s+/))
        .map(([name, value]) => [name, JSON.parse(value)]),
    );
    expect(attributes).toEqual(expected);
    expect(synthAll(env).app.json.terraform.backend.s3).toEqual(expected);
  });
  test('emulator endpoints become an HCL object', () => {
    const text = exportSettings(configFrom({ AWS_ENDPOINT_URL: EMULATOR }), { format: 'terraform' });
    expect(terraformFmt(text)).toBe(text);
    expect(text).toContain(`endpoints = {\n  s3       = "${EMULATOR}"`);
    expect(text).toMatch(/^use_path_style\s+= true$/m);
  });
  test('template sequences in values are escaped, never interpolated', () => {
    expect(hclString('a${b}%{c}"')).toBe('"a$${b}%%{c}\\""');
  });
});

describe('lokomotive backend block', () => {
  test('has the documented attributes and parses as HCL', () => {
    const text = exportSettings(configFrom(), {
      format: 'lokomotive',
      key: 'lokomotive/cluster1.tfstate',
      awsCredsPath: '/home/ops/.aws/credentials',
    });
    expect(terraformFmt(text)).toBe(text);
    expect(text).toBe(
      [
        'backend "s3" {',
        '  bucket         = "tfstate-0a1b2c3d4e5f-us-east-1"',
        '  key            = "lokomotive/cluster1.tfstate"',
        '  region         = "us-east-1"',
        '  aws_creds_path = "/home/ops/.aws/credentials"',
        '  dynamodb_table = "terraform-locks"',
        '}',
        '',
      ].join('\n'),
    );
  });
  test('says so when it cannot lock or cannot reach an emulator', () => {
    const text = renderLokomotive({
      bucket: 'team-state',
      key: 'k',
      region: 'us-east-1',
      encrypt: true,
      kms_key_id: 'alias/team-state',
      use_lockfile: true,
      endpoints: { s3: EMULATOR, dynamodb: EMULATOR, iam: EMULATOR, sts: EMULATOR },
      use_path_style: true,
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
      skip_metadata_api_check: true,
      skip_region_validation: true,
    });
    expect(text).toMatch(/^# Note: lokoctl locks only through dynamodb_table/m);
    expect(text).toMatch(/^# Note: a .lokocfg backend has no endpoint settings/m);
    expect(text).not.toContain('aws_creds_path');
    expect(text).not.toContain('dynamodb_table =');
  });
});

describe('kOps state store', () => {
  test('KOPS_STATE_STORE points at the store folder of the bucket', () => {
    const vars = sourceKops(exportSettings(configFrom(), { format: 'kops' }));
    expect(vars.KOPS_STATE_STORE).toBe('s3://tfstate-0a1b2c3d4e5f-us-east-1/kops');
    expect(vars).not.toHaveProperty('S3_ENDPOINT');
  });
  test('a custom endpoint adds the S3_* variables, credentials by reference', () => {
    const script = exportSettings(configFrom({ AWS_ENDPOINT_URL: EMULATOR, TFSTATE_REGION: 'eu-west-1' }), {
      format: 'kops',
    });
    expect(script).not.toContain('secret-value');
    const vars = sourceKops(script, { AWS_ACCESS_KEY_ID: 'key-id', AWS_SECRET_ACCESS_KEY: 'secret-value' });
    expect(vars).toMatchObject({
      S3_ENDPOINT: EMULATOR,
      S3_REGION: 'eu-west-1',
      S3_ACCESS_KEY_ID: 'key-id',
      S3_SECRET_ACCESS_KEY: 'secret-value',
    });
  });
  test('shell quoting survives quotes', () => {
    expect(sourceKops(`X=${shellQuote("it's")}; export X`).X).toBe("it's");
  });
});

describe('json and policy', () => {
  test('json carries the names, backend settings, kOps store and every policy', () => {
    const document = JSON.parse(exportSettings(configFrom(), { format: 'json' }));
    expect(document).toMatchObject({
      bucket: 'tfstate-0a1b2c3d4e5f-us-east-1',
      lockTable: 'terraform-locks',
      locking: 'dynamodb',
    });
    expect(document.backend).toEqual({ ...COMMON, dynamodb_table: 'terraform-locks' });
    expect(Object.keys(document.policies)).toEqual(['read-write', 'read-only', 'kops']);
  });
  test('policy for a single key covers only that key', () => {
    const policy = JSON.parse(
      exportSettings(configFrom(), { format: 'policy', level: 'read-only', key: 'lokomotive/c1.tfstate' }),
    );
    expect(policy.Statement.find((statement: { Sid: string }) => statement.Sid === 'ReadState').Resource).toEqual([
      'arn:aws:s3:::tfstate-0a1b2c3d4e5f-us-east-1/lokomotive/c1.tfstate',
      'arn:aws:s3:::tfstate-0a1b2c3d4e5f-us-east-1/env:/*/lokomotive/c1.tfstate',
    ]);
    expect(JSON.stringify(policy)).not.toContain('app/terraform.tfstate');
  });
});

describe('argument mistakes are one line', () => {
  const config = configFrom({ TFSTATE_ENVIRONMENTS: 'dev' });
  test.each([
    [{ format: 'yaml' }, '--format "yaml": must be one of terraform, lokomotive, kops, json, policy'],
    [{ stack: 'app-prod' }, 'stack "app-prod": not a stack of this project (one of bootstrap, app, app-dev)'],
    [{ key: '/abs' }, '--key "/abs": must not start or end with "/" (Terraform S3 backend rule)'],
    // Without the rule this printed a policy over arn:aws:s3:::<bucket>/network/* : every key below network/.
    [
      { format: 'policy', key: 'network/*' },
      '--key "network/*": must not contain "*" or "?" (IAM wildcards: a policy for this key would cover other keys)',
    ],
    [{ format: 'policy', level: 'admin' }, '--level "admin": must be one of read-write, read-only, kops'],
    [
      { roleArn: 'arn:aws:iam::123456789012:user/ci' },
      '--role-arn "arn:aws:iam::123456789012:user/ci": must be an IAM role ARN such as arn:aws:iam::123456789012:role/terraform',
    ],
    [
      { profile: 'a b' },
      '--profile "a b": must be a profile name of 1 to 64 letters, digits and _ . + @ - (as in ~/.aws/config)',
    ],
    [
      { format: 'lokomotive', profile: 'ci' },
      '--format lokomotive: a .lokocfg backend takes credentials only as a file (--aws-creds-path), not --profile',
    ],
  ])('%j', (request, message) => {
    expect(() => exportSettings(config, request)).toThrow(message);
  });
  test('stacks map to their keys', () => {
    expect(stackStateKey(config, 'app-dev')).toBe('env/dev/terraform.tfstate');
    expect(stackStateKey(config, 'bootstrap')).toBe('bootstrap/terraform.tfstate');
  });
});

describe('credentials in the exports (--role-arn, --profile)', () => {
  const ROLE = 'arn:aws:iam::123456789012:role/state/terraform';
  test('terraform: an assume_role object and profile, valid HCL as terraform fmt prints it', () => {
    const text = exportSettings(configFrom(), { format: 'terraform', roleArn: ROLE, profile: 'ci' });
    expect(terraformFmt(text)).toBe(text);
    expect(text).toContain(`assume_role = {\n  role_arn = "${ROLE}"\n}\n`);
    expect(text).toMatch(/^profile += "ci"$/m);
  });
  test('json: the same settings under backend', () => {
    const backend = JSON.parse(exportSettings(configFrom(), { format: 'json', roleArn: ROLE, profile: 'ci' })).backend;
    expect(backend.assume_role).toEqual({ role_arn: ROLE });
    expect(backend.profile).toBe('ci');
  });
  test('kops: AWS_PROFILE and AWS_ROLE_ARN as the AWS SDK reads them', () => {
    const vars = sourceKops(exportSettings(configFrom(), { format: 'kops', roleArn: ROLE, profile: 'ci' }));
    expect(vars.AWS_PROFILE).toBe('ci');
    expect(vars.AWS_SDK_LOAD_CONFIG).toBe('1');
    expect(vars.AWS_ROLE_ARN).toBe(ROLE);
  });
  test('without them nothing changes', () => {
    const text = exportSettings(configFrom(), { format: 'terraform' });
    expect(text).not.toContain('assume_role');
    expect(text).not.toContain('profile');
    expect(sourceKops(exportSettings(configFrom(), { format: 'kops' }))).not.toHaveProperty('AWS_PROFILE');
  });
});
