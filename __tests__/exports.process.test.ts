// The exports checked by the tools that read them: terraform fmt parses the HCL (and prints it unchanged when it is
// formatted), bash sources the kOps exports. They start processes, so they run in `npm run test:process`.
import { execFileSync, spawnSync } from 'node:child_process';
import { exportSettings } from '../exports/export';
import { shellQuote } from '../exports/render';
import { APP_BACKEND, configFrom, synthAll } from './helpers';

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

describe('terraform partial backend file', () => {
  test.each([
    ['dynamodb', { ...APP_BACKEND, dynamodb_table: 'terraform-locks' }],
    ['s3', { ...APP_BACKEND, use_lockfile: true }],
    ['both', { ...APP_BACKEND, dynamodb_table: 'terraform-locks', use_lockfile: true }],
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

describe('credentials in the exports (--role-arn, --profile)', () => {
  const ROLE = 'arn:aws:iam::123456789012:role/state/terraform';
  test('terraform: an assume_role object and profile, valid HCL as terraform fmt prints it', () => {
    const text = exportSettings(configFrom(), { format: 'terraform', roleArn: ROLE, profile: 'ci' });
    expect(terraformFmt(text)).toBe(text);
    expect(text).toContain(`assume_role = {\n  role_arn = "${ROLE}"\n}\n`);
    expect(text).toMatch(/^profile += "ci"$/m);
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
