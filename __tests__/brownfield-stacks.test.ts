import { ADOPT_REFUSED } from '../constructs/adoption';
import { adoptRefusals } from '../scripts/lib/diagnose';
import { resourceOf, type Synthesized, synthAll } from './helpers';

const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const BUCKET = 'tfstate-0a1b2c3d4e5f-us-east-1';

interface DataJson {
  readonly data: Record<string, Record<string, Record<string, unknown>>>;
  readonly import?: { readonly to: string; readonly id: string }[];
}

function dataOf(stack: Synthesized, type: string, constructId: string): Record<string, unknown> {
  const found = Object.entries((stack.json as unknown as DataJson).data[type] ?? {}).filter(([name]) =>
    name.startsWith(`adoption_${constructId}_`),
  );
  if (found.length !== 1)
    throw new Error(`expected one data.${type} of adoption/${constructId}, found ${found.length}`);
  return found[0][1];
}

describe('TFSTATE_ADOPT=true: import blocks and the checks Terraform runs while planning', () => {
  test('imports exactly the bucket and the table, by name', () => {
    const { bootstrap } = synthAll({ TFSTATE_ADOPT: 'true' });
    const imports = (bootstrap.json as unknown as DataJson).import ?? [];
    expect(imports.map(({ to, id }) => [to.replace(/_[0-9A-F]{8}$/, ''), id])).toEqual([
      ['aws_s3_bucket.state-bucket', BUCKET],
      ['aws_dynamodb_table.lock-table', 'terraform-locks'],
    ]);
  });
  test('the bucket must be in the configured region', () => {
    const { bootstrap } = synthAll({ TFSTATE_ADOPT: 'true' });
    expect(dataOf(bootstrap, 'aws_s3_bucket', 'existing-bucket')).toMatchObject({
      bucket: BUCKET,
      lifecycle: {
        postcondition: [
          {
            condition: '${self.region == "us-east-1"}',
            error_message: `adopt refused: bucket "${BUCKET}" is in \${self.region}, not us-east-1; set TFSTATE_REGION=\${self.region} (the table and key must be in the bucket's region too)`,
          },
        ],
      },
    });
  });
  test('the table must exist, with the LockID string hash key and no range key', () => {
    const { bootstrap } = synthAll({ TFSTATE_ADOPT: 'true' });
    expect(dataOf(bootstrap, 'aws_dynamodb_tables', 'tables')).toMatchObject({
      lifecycle: {
        postcondition: [
          {
            condition: '${contains(self.names, "terraform-locks")}',
            error_message: expect.stringMatching(
              /^adopt refused: table "terraform-locks" does not exist in us-east-1; /,
            ),
          },
        ],
      },
    });
    expect(dataOf(bootstrap, 'aws_dynamodb_table', 'existing-table')).toMatchObject({
      name: 'terraform-locks',
      lifecycle: {
        postcondition: [
          {
            condition:
              '${self.hash_key == "LockID" && (self.range_key == null || self.range_key == "") && anytrue([for a in self.attribute : a.name == "LockID" && a.type == "S"])}',
            error_message: expect.stringMatching(
              /^adopt refused: table "terraform-locks" has the hash key "\$\{self.hash_key\}"; Terraform's S3 backend needs the hash key LockID of type S/,
            ),
          },
        ],
      },
    });
  });
  test('versioning is switched on only for a versioned or an empty bucket', () => {
    const { bootstrap } = synthAll({ TFSTATE_ADOPT: 'true' });
    const versioning = resourceOf(bootstrap, 'aws_s3_bucket_versioning', 'state-bucket_versioning') as {
      lifecycle: { precondition: { condition: string; error_message: string }[] };
    };
    expect(versioning.lifecycle.precondition).toHaveLength(1);
    expect(versioning.lifecycle.precondition[0].condition).toMatch(
      /^\$\{\(aws_s3_bucket\.state-bucket_[0-9A-F]{8}\.versioning\[0\]\.enabled \|\| \(length\(data\.aws_s3_objects\.adoption_existing-objects_[0-9A-F]{8}\.keys\) < 1\)\)\}$/,
    );
    expect(versioning.lifecycle.precondition[0].error_message).toMatch(
      /^adopt refused: bucket "tfstate-0a1b2c3d4e5f-us-east-1" is not versioned and holds objects; adopting would switch versioning on, which cannot be undone/,
    );
  });
  test('the refusals in full, the one-object listing, and the table read only once the table list is checked', () => {
    const { bootstrap } = synthAll({ TFSTATE_ADOPT: 'true' });
    const data = (bootstrap.json as unknown as DataJson).data;
    expect(data.aws_s3_objects['adoption_existing-objects_318CD092']).toMatchObject({ bucket: BUCKET, max_keys: 1 });
    expect(data.aws_dynamodb_table['adoption_existing-table_F8869A34']).toMatchObject({
      depends_on: ['data.aws_dynamodb_tables.adoption_tables_F7CCB315'],
      lifecycle: {
        postcondition: [
          expect.objectContaining({
            error_message:
              'adopt refused: table "terraform-locks" has the hash key "${self.hash_key}"; Terraform\'s S3 backend needs the hash key LockID of type S (string) and no range key: use another table (TFSTATE_LOCK_TABLE)',
          }),
        ],
      },
    });
    expect(data.aws_dynamodb_tables.adoption_tables_F7CCB315).toMatchObject({
      lifecycle: {
        postcondition: [
          expect.objectContaining({
            error_message:
              'adopt refused: table "terraform-locks" does not exist in us-east-1; create it (hash key LockID, string), set TFSTATE_LOCK_TABLE to the existing one, or unset TFSTATE_ADOPT to create both',
          }),
        ],
      },
    });
    const versioning = bootstrap.json.resource.aws_s3_bucket_versioning['state-bucket_versioning_933ED8BF'] as {
      lifecycle: unknown;
    };
    expect(versioning.lifecycle).toEqual({
      precondition: [
        {
          condition:
            '${(aws_s3_bucket.state-bucket_828F7150.versioning[0].enabled || (length(data.aws_s3_objects.adoption_existing-objects_318CD092.keys) < 1))}',
          error_message:
            `adopt refused: bucket "${BUCKET}" is not versioned and holds objects; adopting would switch versioning on, which cannot be undone (only suspended): ` +
            'every object stays as its "null" version, every later write keeps the replaced data as a noncurrent version that the lifecycle rule deletes after TFSTATE_NONCURRENT_DAYS; ' +
            `switch it on yourself when that is what you want (aws s3api put-bucket-versioning --bucket ${BUCKET} --versioning-configuration Status=Enabled), then adopt`,
        },
      ],
    });
  });
  test('locking s3: no table to check or import', () => {
    const s3only = synthAll({ TFSTATE_ADOPT: 'true', TFSTATE_LOCKING: 's3' }).bootstrap;
    expect(((s3only.json as unknown as DataJson).import ?? []).map(({ id }) => id)).toEqual([BUCKET]);
    expect((s3only.json as unknown as DataJson).data.aws_dynamodb_tables).toBeUndefined();
  });
  test('without it: no import, no check', () => {
    const plain = synthAll().bootstrap;
    expect((plain.json as unknown as DataJson).import).toBeUndefined();
    expect(Object.keys((plain.json as unknown as DataJson).data)).toEqual(['aws_caller_identity']);
  });
});

describe('TFSTATE_KMS_KEY_ARN: the named key instead of a new one', () => {
  test('no key is created; the alias points at the named key', () => {
    const { bootstrap } = synthAll({ TFSTATE_KMS_KEY_ARN: KEY_ARN });
    expect(bootstrap.json.resource.aws_kms_key).toBeUndefined();
    expect(resourceOf(bootstrap, 'aws_kms_alias', 'state-key_alias')).toMatchObject({
      name: `alias/${BUCKET}`,
      target_key_id: '1234abcd-12ab-34cd-56ef-1234567890ab',
    });
  });
  test('its account must be the one bootstrap runs in (checked while planning)', () => {
    const { bootstrap } = synthAll({ TFSTATE_KMS_KEY_ARN: KEY_ARN });
    expect(resourceOf(bootstrap, 'aws_kms_alias', 'state-key_alias').lifecycle).toEqual({
      prevent_destroy: true,
      precondition: [
        {
          condition: '${(data.aws_caller_identity.account.account_id == "123456789012")}',
          error_message: `TFSTATE_KMS_KEY_ARN names a key of account 123456789012, but bootstrap runs in account \${data.aws_caller_identity.account.account_id}: the alias alias/${BUCKET} (which backends and policies use) can only name a key of its own account`,
        },
      ],
    });
  });
  test('the bucket, the table and the output use its ARN', () => {
    const { bootstrap } = synthAll({ TFSTATE_KMS_KEY_ARN: KEY_ARN });
    expect(
      (
        resourceOf(bootstrap, 'aws_s3_bucket_server_side_encryption_configuration', 'state-bucket_encryption')
          .rule as unknown[]
      )[0],
    ).toMatchObject({
      apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: KEY_ARN },
    });
    expect(resourceOf(bootstrap, 'aws_dynamodb_table', 'lock-table')).toMatchObject({
      server_side_encryption: { enabled: true, kms_key_arn: KEY_ARN },
    });
    expect(bootstrap.json.output.kms_key_arn.value).toBe(KEY_ARN);
  });
});

describe('TFSTATE_TAGS: provider default_tags, so every create call carries them', () => {
  test.each([['bootstrap'], ['app']])('%s', (stack) => {
    const synthesized = synthAll({ TFSTATE_TAGS: 'team=platform,cost-center=42' })[stack];
    expect(synthesized.json.provider.aws[0]).toMatchObject({
      default_tags: [
        { tags: { ManagedBy: 'tfstate-backend', StateBucket: BUCKET, team: 'platform', 'cost-center': '42' } },
      ],
    });
  });
});

describe('a refused adoption, in one line per reason', () => {
  test('wrapped messages are joined, each reason once, a missing bucket recognised', () => {
    const output = [
      'Error: Resource postcondition failed',
      '',
      '    │ self.region is "eu-west-1"',
      '',
      'adopt refused: bucket "b" is in eu-west-1, not us-east-1; set',
      "TFSTATE_REGION=eu-west-1 (the table and key must be in the bucket's region",
      'too)',
      '',
      '│ adopt refused: table "t" does not exist in us-east-1; create it',
      '│ (hash key LockID, string)',
      '╵',
      "Error: reading S3 Bucket (b): couldn't find resource",
    ].join('\n');
    expect(adoptRefusals(output, 'b', 'us-east-1', ADOPT_REFUSED)).toEqual([
      'adopt refused: bucket "b" is in eu-west-1, not us-east-1; set TFSTATE_REGION=eu-west-1 (the table and key must be in the bucket\'s region too)',
      'adopt refused: table "t" does not exist in us-east-1; create it (hash key LockID, string)',
      'adopt refused: bucket "b" does not exist in us-east-1; name the existing one (TFSTATE_BUCKET, TFSTATE_REGION), or unset TFSTATE_ADOPT to create it',
    ]);
    expect(adoptRefusals('Error: something else', 'b', 'us-east-1', ADOPT_REFUSED)).toEqual([]);
    // A missing table fails its import too: that is not a missing bucket.
    const tableImport =
      'Error: Cannot import non-existent remote object\n\nWhile attempting to import an existing object to\n"aws_dynamodb_table.lock-table_D28631D7", the provider detected that no';
    expect(adoptRefusals(tableImport, 'b', 'us-east-1', ADOPT_REFUSED)).toEqual([]);
    expect(
      adoptRefusals(
        tableImport.replace('aws_dynamodb_table.lock-table', 'aws_s3_bucket.state-bucket'),
        'b',
        'us-east-1',
        ADOPT_REFUSED,
      ),
    ).toHaveLength(1);
  });
});
