import { stackStateKey } from '../config/naming';
import { exportSettings } from '../exports/export';
import { hclString, renderLokomotive } from '../exports/render';
import { APP_BACKEND, configFrom } from './helpers';

const EMULATOR = 'http://127.0.0.1:5000';

describe('terraform partial backend file', () => {
  test('template sequences in values are escaped, never interpolated', () => {
    expect(hclString('a${b}%{c}"')).toBe('"a$${b}%%{c}\\""');
  });
});

describe('lokomotive backend block', () => {
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

describe('json and policy', () => {
  test('json carries the names, backend settings, kOps store and every policy', () => {
    const document = JSON.parse(exportSettings(configFrom(), { format: 'json' }));
    expect(document).toMatchObject({
      bucket: 'tfstate-0a1b2c3d4e5f-us-east-1',
      lockTable: 'terraform-locks',
      locking: 'dynamodb',
    });
    expect(document.backend).toEqual({ ...APP_BACKEND, dynamodb_table: 'terraform-locks' });
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
  test('json: the same settings under backend', () => {
    const backend = JSON.parse(exportSettings(configFrom(), { format: 'json', roleArn: ROLE, profile: 'ci' })).backend;
    expect(backend.assume_role).toEqual({ role_arn: ROLE });
    expect(backend.profile).toBe('ci');
  });
});
