// The export's account logic and the deployed bootstrap's outputs (exports/deployed.ts, exports/export.ts),
// and the whole text of each rendered format, each against literal expected values.
import type { S3Client } from '@aws-sdk/client-s3';
import { UsageError } from '../errors';
import { accountOfArn, DeployedReadError, deployedFromState, readDeployed } from '../exports/deployed';
import { exportSettings, needsDeployed, ownerAccount } from '../exports/export';
import { configFrom } from './helpers';

const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ROLE = 'arn:aws:iam::123456789012:role/state/terraform';
const STATE = JSON.stringify({ outputs: { kms_key_arn: { value: KEY_ARN } } });

describe('outputs of the bootstrap state', () => {
  test.each([
    ['null', 'null'],
    ['no outputs', '{}'],
    ['no kms_key_arn output', '{"outputs": {}}'],
    ['a kms_key_arn that is not a string', '{"outputs": {"kms_key_arn": {"value": 5}}}'],
    ['an empty kms_key_arn', '{"outputs": {"kms_key_arn": {"value": ""}}}'],
  ])('%s: not deployed', (_, text) => {
    expect(deployedFromState(text, 'state', 'us-east-1')).toEqual({});
  });
  test('a long wrong kms_key_arn is cut to 200 characters in the message', () => {
    const wrong = `arn:aws:kms:us-east-1:111122223333:alias/${'x'.repeat(300)}`;
    expect(() =>
      deployedFromState(JSON.stringify({ outputs: { kms_key_arn: { value: wrong } } }), 'state', 'us-east-1'),
    ).toThrow(
      new DeployedReadError(
        `state: output kms_key_arn="${wrong.slice(0, 200)}": must name the key itself (key/<id>), not an alias`,
      ),
    );
  });
  test('the account is the fifth field of an ARN, and only of an ARN', () => {
    expect(accountOfArn(KEY_ARN)).toBe('111122223333');
    expect(accountOfArn(`x${KEY_ARN}`)).toBeUndefined();
    expect(accountOfArn('arn:aws:kms:us-east-1:1111:key/k')).toBeUndefined();
  });
});

describe('reading the bootstrap state from the bucket', () => {
  const inBucket = configFrom({ TFSTATE_BOOTSTRAP_BACKEND: 's3' });
  /** A bucket holding only the bootstrap state at its key; the request's deadline recorded. */
  function bucket(): { s3: () => S3Client; signals: AbortSignal[] } {
    const signals: AbortSignal[] = [];
    const send = async (command: { input: { Bucket: string; Key: string } }, options: { abortSignal: AbortSignal }) => {
      signals.push(options.abortSignal);
      const { Bucket, Key } = command.input;
      if (Bucket !== 'tfstate-0a1b2c3d4e5f-us-east-1')
        throw Object.assign(new Error('no bucket'), { name: 'NoSuchBucket' });
      if (Key !== 'bootstrap/terraform.tfstate') throw Object.assign(new Error('no key'), { name: 'NoSuchKey' });
      return { Body: { transformToString: async () => STATE } };
    };
    return { s3: () => ({ send }) as unknown as S3Client, signals };
  }
  test('the key ARN of the bootstrap state object, read with a deadline', async () => {
    const { s3, signals } = bucket();
    expect(await readDeployed(inBucket, '/nonexistent', s3, async () => '111122223333')).toEqual({ keyArn: KEY_ARN });
    expect(signals.map((signal) => signal instanceof AbortSignal && !signal.aborted)).toEqual([true]);
  });
  // The bucket and the bootstrap's backend may come from the file: a bucket of another account served that account's
  // key as kms_key_arn, and --for-account settings then sent the consumers' state to it, encrypted for its owner.
  test("a bucket of another account is read only as the caller's: S3 refuses, nothing is taken from it", async () => {
    const FOREIGN_KEY = 'arn:aws:kms:us-east-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const owners: (string | undefined)[] = [];
    const send = async (command: { input: { ExpectedBucketOwner?: string } }) => {
      owners.push(command.input.ExpectedBucketOwner);
      if (command.input.ExpectedBucketOwner !== undefined && command.input.ExpectedBucketOwner !== '444455556666')
        throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
      return {
        Body: { transformToString: async () => JSON.stringify({ outputs: { kms_key_arn: { value: FOREIGN_KEY } } }) },
      };
    };
    const foreign = () => ({ send }) as unknown as S3Client;
    await expect(readDeployed(inBucket, '/nonexistent', foreign, async () => '111122223333')).rejects.toThrow(
      new DeployedReadError(
        "reading the bootstrap's outputs from s3://tfstate-0a1b2c3d4e5f-us-east-1/bootstrap/terraform.tfstate as a bucket of account 111122223333 (the caller's): AccessDenied: Access Denied",
      ),
    );
    expect(owners).toEqual(['111122223333']);
    // Where the owner is not checked (moto ignores ExpectedBucketOwner), the key's account still tells.
    const unchecked = () =>
      ({
        send: async (command: { input: object }) =>
          send({ input: { ...command.input, ExpectedBucketOwner: undefined } }),
      }) as unknown as S3Client;
    await expect(readDeployed(inBucket, '/nonexistent', unchecked, async () => '111122223333')).rejects.toThrow(
      new DeployedReadError(
        `s3://tfstate-0a1b2c3d4e5f-us-east-1/bootstrap/terraform.tfstate: output kms_key_arn="${FOREIGN_KEY}": is a key of account 444455556666, not of the caller's account 111122223333, so it is no bootstrap state of this account; check TFSTATE_BUCKET and TFSTATE_BOOTSTRAP_KEY`,
      ),
    );
  });
  test('no caller account (STS failed, or answered no 12-digit id): one line, and the bucket is not read', async () => {
    const { s3, signals } = bucket();
    await expect(readDeployed(inBucket, '/nonexistent', s3, async () => '')).rejects.toThrow(
      new DeployedReadError(
        `reading the bootstrap's outputs from s3://tfstate-0a1b2c3d4e5f-us-east-1/bootstrap/terraform.tfstate (finding the caller's account): STS: not an account id: ""`,
      ),
    );
    await expect(
      readDeployed(inBucket, '/nonexistent', s3, async () =>
        Promise.reject(Object.assign(new Error('expired'), { name: 'ExpiredToken' })),
      ),
    ).rejects.toThrow(
      new DeployedReadError(
        "reading the bootstrap's outputs from s3://tfstate-0a1b2c3d4e5f-us-east-1/bootstrap/terraform.tfstate (finding the caller's account): ExpiredToken: expired",
      ),
    );
    expect(signals).toEqual([]);
  });
  test('another bootstrap key, or no bucket yet: not deployed', async () => {
    expect(
      await readDeployed(
        configFrom({ TFSTATE_BOOTSTRAP_BACKEND: 's3', TFSTATE_BOOTSTRAP_KEY: 'other/terraform.tfstate' }),
        '/nonexistent',
        bucket().s3,
        async () => '123456789012',
      ),
    ).toEqual({});
    expect(
      await readDeployed(
        configFrom({ TFSTATE_BOOTSTRAP_BACKEND: 's3', TFSTATE_BUCKET: 'other-bucket-name' }),
        '/nonexistent',
        bucket().s3,
        async () => '123456789012',
      ),
    ).toEqual({});
  });
});

describe('the owner account', () => {
  test("TFSTATE_ACCOUNT_ID, else the deployed key's account, else * (before deploy)", () => {
    expect(ownerAccount(configFrom({ TFSTATE_ACCOUNT_ID: '111122223333' }), { keyArn: KEY_ARN })).toBe('111122223333');
    expect(ownerAccount(configFrom({ TFSTATE_ACCOUNT_ID: '444455556666' }), {})).toBe('444455556666');
    expect(ownerAccount(configFrom(), { keyArn: KEY_ARN })).toBe('111122223333');
    expect(ownerAccount(configFrom(), {})).toBe('*');
  });
  test("a TFSTATE_ACCOUNT_ID other than the deployed key's account is one line", () => {
    expect(() => ownerAccount(configFrom({ TFSTATE_ACCOUNT_ID: '444455556666' }), { keyArn: KEY_ARN })).toThrow(
      new UsageError(
        `TFSTATE_ACCOUNT_ID="444455556666": the deployed bootstrap's key ${KEY_ARN} is in account 111122223333`,
      ),
    );
  });
  test('only json, policy and --for-account read the deployed outputs', () => {
    expect(needsDeployed({ format: 'kops', forAccount: '444455556666' })).toBe(true);
    expect(needsDeployed({})).toBe(false);
  });
});

describe('settings for another account', () => {
  test('s3 locking: the key by ARN and no table', () => {
    expect(
      exportSettings(
        configFrom({ TFSTATE_LOCKING: 's3' }),
        { format: 'terraform', forAccount: '444455556666' },
        { keyArn: KEY_ARN },
      ),
    ).toBe(
      [
        '# Partial configuration of backend "s3" for: terraform init -backend-config=<this file>',
        'bucket       = "tfstate-0a1b2c3d4e5f-us-east-1"',
        'key          = "app/terraform.tfstate"',
        'region       = "us-east-1"',
        'encrypt      = true',
        `kms_key_id   = "${KEY_ARN}"`,
        'use_lockfile = true',
        '',
      ].join('\n'),
    );
  });
  test("dynamodb locking: the table by ARN in the owner's account", () => {
    expect(
      exportSettings(configFrom(), { format: 'terraform', forAccount: '444455556666' }, { keyArn: KEY_ARN }),
    ).toContain('dynamodb_table = "arn:aws:dynamodb:us-east-1:111122223333:table/terraform-locks"\n');
  });
});

describe('whole texts', () => {
  test('terraform, with both locking modes and credentials', () => {
    expect(
      exportSettings(configFrom({ TFSTATE_LOCKING: 'both' }), { format: 'terraform', roleArn: ROLE, profile: 'ci' }),
    ).toBe(
      [
        '# Partial configuration of backend "s3" for: terraform init -backend-config=<this file>',
        'bucket         = "tfstate-0a1b2c3d4e5f-us-east-1"',
        'key            = "app/terraform.tfstate"',
        'region         = "us-east-1"',
        'encrypt        = true',
        'kms_key_id     = "alias/tfstate-0a1b2c3d4e5f-us-east-1"',
        'dynamodb_table = "terraform-locks"',
        'use_lockfile   = true',
        'assume_role = {',
        `  role_arn = "${ROLE}"`,
        '}',
        'profile = "ci"',
        '',
      ].join('\n'),
    );
  });
  test('kops, with an emulator endpoint, a profile and a role', () => {
    const config = configFrom({ AWS_ENDPOINT_URL: 'http://127.0.0.1:5000', TFSTATE_REGION: 'eu-west-1' });
    expect(exportSettings(config, { format: 'kops', roleArn: ROLE, profile: 'ci' })).toBe(
      [
        '# kOps state store; or put this line in $HOME/.kops/config:',
        '#   kops_state_store: s3://tfstate-0a1b2c3d4e5f-eu-west-1/kops',
        "export KOPS_STATE_STORE='s3://tfstate-0a1b2c3d4e5f-eu-west-1/kops'",
        '# Custom S3-compatible endpoint: kOps reads these instead of the AWS SDK defaults.',
        "export S3_ENDPOINT='http://127.0.0.1:5000'",
        "export S3_REGION='eu-west-1'",
        'export S3_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID"',
        'export S3_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY"',
        '# The AWS SDK reads this profile from ~/.aws/config and ~/.aws/credentials (AWS_SDK_LOAD_CONFIG for SDK v1 builds).',
        "export AWS_PROFILE='ci'",
        'export AWS_SDK_LOAD_CONFIG=1',
        '# The AWS SDK assumes AWS_ROLE_ARN with the web identity token in AWS_WEB_IDENTITY_TOKEN_FILE (CI with OIDC, IRSA);',
        `# elsewhere put role_arn = ${ROLE} and source_profile in a profile of ~/.aws/config and use --profile.`,
        `export AWS_ROLE_ARN='${ROLE}'`,
        '',
      ].join('\n'),
    );
  });
  test('lokomotive refuses a role by name', () => {
    expect(() => exportSettings(configFrom(), { format: 'lokomotive', roleArn: ROLE })).toThrow(
      new UsageError(
        '--format lokomotive: a .lokocfg backend takes credentials only as a file (--aws-creds-path), not --role-arn',
      ),
    );
  });
});

describe('policy scope', () => {
  const config = configFrom({ TFSTATE_ENVIRONMENTS: 'dev' });
  const objects = (request: Record<string, string>) =>
    (
      JSON.parse(exportSettings(config, { format: 'policy', level: 'read-only', ...request })) as {
        Statement: { Sid: string; Resource: string[] }[];
      }
    ).Statement.find((statement) => statement.Sid === 'ReadState')!.Resource;
  test("--stack: that stack's key only", () => {
    expect(objects({ stack: 'app-dev' })).toEqual([
      'arn:aws:s3:::tfstate-0a1b2c3d4e5f-us-east-1/env/dev/terraform.tfstate',
      'arn:aws:s3:::tfstate-0a1b2c3d4e5f-us-east-1/env:/*/env/dev/terraform.tfstate',
    ]);
  });
  test("neither --stack nor --key: the project's keys, every environment's included", () => {
    expect(objects({})).toEqual([
      'arn:aws:s3:::tfstate-0a1b2c3d4e5f-us-east-1/app/terraform.tfstate',
      'arn:aws:s3:::tfstate-0a1b2c3d4e5f-us-east-1/env:/*/app/terraform.tfstate',
      'arn:aws:s3:::tfstate-0a1b2c3d4e5f-us-east-1/env/*/terraform.tfstate',
      'arn:aws:s3:::tfstate-0a1b2c3d4e5f-us-east-1/env:/*/env/*/terraform.tfstate',
    ]);
  });
});
