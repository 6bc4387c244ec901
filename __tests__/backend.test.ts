// config/backend.ts and config/state-resources.ts: the backend "s3" attributes and the resources the IAM builders take, written out.
import { backendSettings } from '../config/backend';
import { stateResources } from '../config/state-resources';
import { configFrom } from './helpers';

const OWN = {
  bucket: 'tfstate-0a1b2c3d4e5f-us-east-1',
  key: 'app/terraform.tfstate',
  region: 'us-east-1',
  encrypt: true,
  kms_key_id: 'alias/tfstate-0a1b2c3d4e5f-us-east-1',
};

describe('backendSettings', () => {
  test.each([
    ['dynamodb', { ...OWN, dynamodb_table: 'terraform-locks' }],
    ['s3', { ...OWN, use_lockfile: true }],
    ['both', { ...OWN, dynamodb_table: 'terraform-locks', use_lockfile: true }],
  ])('locking %s', (locking, expected) => {
    expect(backendSettings(configFrom({ TFSTATE_LOCKING: locking }), 'app/terraform.tfstate')).toStrictEqual(expected);
  });
  test("an emulator endpoint: every service there, path-style, with the emulator credentials (never the caller's), and no check that needs real AWS", () => {
    expect(
      backendSettings(configFrom({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }), 'env/dev/terraform.tfstate'),
    ).toStrictEqual({
      ...OWN,
      key: 'env/dev/terraform.tfstate',
      dynamodb_table: 'terraform-locks',
      endpoints: {
        s3: 'http://127.0.0.1:4566',
        dynamodb: 'http://127.0.0.1:4566',
        iam: 'http://127.0.0.1:4566',
        sts: 'http://127.0.0.1:4566',
      },
      access_key: 'test',
      secret_key: 'test',
      use_path_style: true,
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
      skip_metadata_api_check: true,
      skip_region_validation: true,
    });
  });
});

describe('stateResources', () => {
  test('before deploy (no key ARN): any key of the owner that carries the alias; the table by ARN', () => {
    expect(stateResources(configFrom({}), { accountId: '123456789012' })).toEqual({
      region: 'us-east-1',
      bucketName: 'tfstate-0a1b2c3d4e5f-us-east-1',
      bucketArn: 'arn:aws:s3:::tfstate-0a1b2c3d4e5f-us-east-1',
      keyArn: 'arn:aws:kms:us-east-1:123456789012:key/*',
      keyAlias: 'alias/tfstate-0a1b2c3d4e5f-us-east-1',
      tableArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/terraform-locks',
      lockfiles: false,
    });
  });
  test('with the key ARN: that key, no alias condition; s3 locking: lockfiles, no table', () => {
    const keyArn = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    expect(stateResources(configFrom({ TFSTATE_LOCKING: 's3' }), { accountId: '123456789012', keyArn })).toEqual({
      region: 'us-east-1',
      bucketName: 'tfstate-0a1b2c3d4e5f-us-east-1',
      bucketArn: 'arn:aws:s3:::tfstate-0a1b2c3d4e5f-us-east-1',
      keyArn,
      keyAlias: undefined,
      tableArn: undefined,
      lockfiles: true,
    });
  });
});
