// The settings table drives the loader: each entry's default, parser and rule, the README's default column,
// the order problems are reported in, and the checks across settings.

import { loadConfig } from '../config/load';
import { flag, list, oneOf, tagMap, text, wholeNumber } from '../config/parsers';
import { Derived, renderDefault, SETTING_NAMES, SETTINGS, type Setting } from '../config/settings';
import { configFrom, dirWithConfig, EMPTY_DIR, problemsOf } from './helpers';

describe('the README default column is rendered from each entry', () => {
  test.each([
    ['bucket', 'tfstate-<first 12 hex digits of cdktf.json projectId>-<region>'],
    ['region', 'AWS_REGION, then AWS_DEFAULT_REGION, then us-east-1'],
    ['lockTable', 'terraform-locks'],
    ['locking', 'dynamodb'],
    ['endpoint', '(unset: real AWS)'],
    ['noncurrentVersionDays', '90'],
    ['allowDestroy', 'false'],
    ['accessLogging', 'true'],
    ['environments', '(none)'],
    ['tags', '(none)'],
    ['logBucket', '<bucket>-logs'],
    ['accessLogDays', '365'],
    ['kmsKeyArn', '(unset: a new key is created)'],
  ] as const)('%s: %s', (name, cell) => {
    expect(renderDefault(SETTINGS[name] as Setting<unknown>)).toBe(cell);
  });
  test('a list or tag default that is not empty is written as a user would set it', () => {
    const base = { env: 'X', file: 'x', description: '' };
    expect(renderDefault({ ...base, default: ['dev', 'prod'], parse: list(() => undefined, '') })).toBe('dev,prod');
    expect(renderDefault({ ...base, default: { team: 'platform', tier: '1' }, parse: tagMap() })).toBe(
      'team=platform,tier=1',
    );
  });
  test('the typed defaults are the values a config without settings holds', () => {
    const config = configFrom();
    expect([
      config.noncurrentVersionDays,
      config.accessLogDays,
      config.lockTable,
      config.kopsPrefix,
      config.environmentKeyPrefix,
    ]).toEqual([90, 365, 'terraform-locks', 'kops', 'env']);
  });
  test('every typed default keeps its own rule', () => {
    const broken = SETTING_NAMES.flatMap((name) => {
      const setting = SETTINGS[name] as Setting<unknown>;
      const value = setting.default;
      if (value instanceof Derived || value === undefined) return [];
      const rule = setting.parse.rule?.(value, {
        get: () => 'us-east-1',
        valid: () => true,
        projectId: () => undefined,
      } as never);
      return rule ? [`${name}: ${rule}`] : [];
    });
    expect(broken).toEqual([]);
  });
});

describe('problems: the file and unknown names first, then setting by setting in the order of the table, then the checks across settings', () => {
  test('in the order of the table, not the order given', () => {
    expect(
      problemsOf({
        TFSTATE_TAGS: 'x',
        TFSTATE_LOCKING: 'none',
        TFSTATE_REGION: 'nowhere',
        TFSTATE_BUCKET: 'UPPER',
        TFSTATE_NOPE: '1',
      }),
    ).toEqual([
      'TFSTATE_NOPE: unknown setting (known: TFSTATE_BUCKET, TFSTATE_REGION, TFSTATE_LOCK_TABLE, TFSTATE_KEY, TFSTATE_LOCKING, TFSTATE_KMS_ALIAS, TFSTATE_NONCURRENT_DAYS, TFSTATE_BOOTSTRAP_BACKEND, TFSTATE_BOOTSTRAP_KEY, TFSTATE_ALLOW_DESTROY, TFSTATE_ENVIRONMENTS, TFSTATE_ENV_KEY_PREFIX, TFSTATE_CROSS_ACCOUNT_PRINCIPALS, TFSTATE_CROSS_ACCOUNT_READERS, TFSTATE_ACCOUNT_ID, TFSTATE_KOPS_PREFIX, TFSTATE_ACCESS_LOGGING, TFSTATE_LOG_BUCKET, TFSTATE_ACCESS_LOG_DAYS, TFSTATE_REPLICA_REGION, TFSTATE_REPLICA_BUCKET, TFSTATE_ACCEPT_RISKS, TFSTATE_ADOPT, TFSTATE_KMS_KEY_ARN, TFSTATE_TAGS)',
      'TFSTATE_BUCKET="UPPER": may contain only lowercase letters, digits, dots (.) and hyphens (-)',
      'TFSTATE_REGION="nowhere": must be an AWS region code such as us-east-1 or eu-central-1',
      'TFSTATE_LOCKING="none": must be one of dynamodb, s3, both',
      'TFSTATE_TAGS="x": each tag must be key=value ("x")',
    ]);
  });
  test("the checks across settings come after every setting's own", () => {
    expect(
      problemsOf({
        TFSTATE_KMS_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        TFSTATE_CROSS_ACCOUNT_READERS: '111122223333',
        TFSTATE_NONCURRENT_DAYS: '7',
        TFSTATE_TAGS: 'a',
      }),
    ).toEqual([
      'TFSTATE_TAGS="a": each tag must be key=value ("a")',
      'TFSTATE_NONCURRENT_DAYS="7": keeps old state versions less than 30 days; set TFSTATE_ACCEPT_RISKS=short-retention to accept that',
      'TFSTATE_KMS_KEY_ARN="arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab": the key policy of an existing key is not managed here, so it cannot grant TFSTATE_CROSS_ACCOUNT_READERS; add those grants to its key policy and drop one of the two settings',
    ]);
  });
  // The README lists this order: accepted risks, replica region, distinct buckets, folders, distinct state keys,
  // keys beside the environments, existing key.
  test('the checks across settings in the order the README lists them', () => {
    expect(
      problemsOf({
        TFSTATE_NONCURRENT_DAYS: '7',
        TFSTATE_ACCESS_LOGGING: 'false',
        TFSTATE_REGION: 'eu-west-1',
        TFSTATE_REPLICA_REGION: 'eu-west-1',
        TFSTATE_BUCKET: 'one',
        TFSTATE_REPLICA_BUCKET: 'one',
        TFSTATE_KOPS_PREFIX: 'app',
        TFSTATE_KMS_KEY_ARN: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        TFSTATE_CROSS_ACCOUNT_READERS: '111122223333',
      }),
    ).toEqual([
      'TFSTATE_NONCURRENT_DAYS="7": keeps old state versions less than 30 days; set TFSTATE_ACCEPT_RISKS=short-retention to accept that',
      'TFSTATE_ACCESS_LOGGING="false": turns off access logging of the state bucket; set TFSTATE_ACCEPT_RISKS=no-access-logging to accept that',
      'TFSTATE_REPLICA_REGION="eu-west-1": must differ from the state bucket\'s region (cross-region replication)',
      'TFSTATE_REPLICA_BUCKET="one": is already the bucket of TFSTATE_BUCKET; state, logs and replica need separate buckets',
      'TFSTATE_KEY="app/terraform.tfstate": lies in folder "app" (TFSTATE_KOPS_PREFIX), the kOps state store (kOps users may read and delete everything in it); choose a key outside it',
      'TFSTATE_KMS_KEY_ARN="arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab": the key policy of an existing key is not managed here, so it cannot grant TFSTATE_CROSS_ACCOUNT_READERS; add those grants to its key policy and drop one of the two settings',
    ]);
    // A key in a folder is not compared again, so distinct keys and the environments' denies need keys outside the folders.
    expect(
      problemsOf({
        TFSTATE_KEY: 'terraform.tfstate',
        TFSTATE_BOOTSTRAP_KEY: 'terraform.tfstate',
        TFSTATE_ENVIRONMENTS: 'dev',
        TFSTATE_KMS_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        TFSTATE_CROSS_ACCOUNT_PRINCIPALS: '111122223333',
      }),
    ).toEqual([
      'TFSTATE_BOOTSTRAP_KEY="terraform.tfstate": is already the state key of TFSTATE_KEY; two stacks must not share a state object',
      'TFSTATE_KEY="terraform.tfstate": the policies deny env:/*/*/terraform.tfstate* (keys deeper than a workspace or environment pattern, since IAM\'s * also matches "/"), which reaches env:/w/env/dev/terraform.tfstate, a key of this project; pick a key in a folder of its own outside env/',
      'TFSTATE_KMS_KEY_ARN="arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab": the key policy of an existing key is not managed here, so it cannot grant TFSTATE_CROSS_ACCOUNT_PRINCIPALS; add those grants to its key policy and drop one of the two settings',
    ]);
  });
});

describe('sources and defaults', () => {
  test('an empty TFSTATE_REGION is one problem, and the region falls back to AWS_REGION', () => {
    expect(problemsOf({ TFSTATE_REGION: '', AWS_REGION: 'Europe' })).toEqual([
      'TFSTATE_REGION="": must not be empty (unset it to use the default)',
      'AWS_REGION="Europe": must be an AWS region code such as us-east-1 or eu-central-1',
    ]);
    expect(problemsOf({ TFSTATE_REGION: '', AWS_REGION: 'eu-west-3' })).toEqual([
      'TFSTATE_REGION="": must not be empty (unset it to use the default)',
    ]);
    expect(configFrom({ AWS_REGION: '', AWS_DEFAULT_REGION: 'eu-west-2' }).region).toBe('eu-west-2');
  });
  test('an empty variable is an empty value, except AWS_ENDPOINT_URL (unset, as in the AWS SDKs)', () => {
    expect(problemsOf({ TFSTATE_LOCK_TABLE: '' })).toEqual([
      'TFSTATE_LOCK_TABLE="": must not be empty (unset it to use the default)',
    ]);
    expect(configFrom({}, dirWithConfig({ endpoint: 'http://127.0.0.1:5000//' })).endpoint).toBe(
      'http://127.0.0.1:5000',
    );
    expect(problemsOf({}, dirWithConfig({ lockTable: '' }))).toEqual([
      'tfstate.config.json: lockTable="": must not be empty (unset it to use the default)',
    ]);
  });
  test('a word setting takes only the words, as strings', () => {
    expect(problemsOf({ TFSTATE_LOCKING: '' })).toEqual([
      'TFSTATE_LOCKING="": must not be empty (unset it to use the default)',
    ]);
    expect(problemsOf({}, dirWithConfig({ bootstrapBackend: 3 }))).toEqual([
      'tfstate.config.json: bootstrapBackend=3: must be a string',
    ]);
    expect(configFrom({}, dirWithConfig({ locking: 'both', bootstrapBackend: 's3' }))).toMatchObject({
      locking: 'both',
      lockTable: 'terraform-locks',
      bootstrapBackend: 's3',
    });
  });
  test('numbers and booleans from the file, numbers with spaces from the environment', () => {
    expect(
      configFrom(
        { TFSTATE_ACCESS_LOG_DAYS: ' 45 ', TFSTATE_ALLOW_DESTROY: 'true' },
        dirWithConfig({ noncurrentVersionDays: 31, adopt: false, accessLogging: true }),
      ),
    ).toMatchObject({
      accessLogDays: 45,
      noncurrentVersionDays: 31,
      allowDestroy: true,
      adopt: false,
      logBucket: 'tfstate-0a1b2c3d4e5f-us-east-1-logs',
    });
    expect(problemsOf({ TFSTATE_ACCESS_LOG_DAYS: '-3' })).toEqual([
      'TFSTATE_ACCESS_LOG_DAYS="-3": must be a whole number of days from 1 to 36500',
    ]);
    expect(problemsOf({}, dirWithConfig({ accessLogDays: '12a' }))).toEqual([
      'tfstate.config.json: accessLogDays="12a": must be a whole number',
    ]);
    expect(problemsOf({ TFSTATE_ACCESS_LOG_DAYS: 'x12' })).toEqual([
      'TFSTATE_ACCESS_LOG_DAYS="x12": must be a whole number',
    ]);
    expect(problemsOf({}, dirWithConfig({ adopt: 'no' }))).toEqual([
      'tfstate.config.json: adopt="no": must be true or false',
    ]);
  });
  test('empty items of a comma-separated list are dropped', () => {
    expect(configFrom({ TFSTATE_ENVIRONMENTS: 'dev,,qa,' }).environments).toEqual(['dev', 'qa']);
  });
  test('lists from the file keep their order and drop nothing but repeats', () => {
    expect(configFrom({}, dirWithConfig({ environments: ['qa', 'dev'] }))).toMatchObject({
      environments: ['qa', 'dev'],
    });
    expect(problemsOf({ TFSTATE_ACCEPT_RISKS: 'short-retention,short-retention' })).toEqual([
      'TFSTATE_ACCEPT_RISKS="short-retention,short-retention": each risk must be listed once ("short-retention")',
    ]);
    expect(problemsOf({ TFSTATE_CROSS_ACCOUNT_PRINCIPALS: '111122223333, 111122223333' })).toEqual([
      'TFSTATE_CROSS_ACCOUNT_PRINCIPALS="111122223333, 111122223333": each principal must be listed once ("111122223333")',
    ]);
  });
  test('the account id, when set, is checked', () => {
    expect(configFrom({ TFSTATE_ACCOUNT_ID: '123456789012' }).accountId).toBe('123456789012');
    expect(problemsOf({ TFSTATE_ACCOUNT_ID: '1234' })).toEqual([
      'TFSTATE_ACCOUNT_ID="1234": must be a 12-digit AWS account id',
    ]);
  });
  test('cdktf.json is read only when the bucket name is derived from it', () => {
    expect(loadConfig({ env: { TFSTATE_BUCKET: 'given-bucket' }, cwd: EMPTY_DIR }).projectId).toBe('');
    expect(problemsOf({}, dirWithConfig({ bucket: 7 }))).toEqual(['tfstate.config.json: bucket=7: must be a string']);
    expect(() => loadConfig({ env: { TFSTATE_BUCKET: '' }, cwd: EMPTY_DIR })).toThrow(
      `TFSTATE_BUCKET="": must not be empty (unset it to use the default)\ncdktf.json: not readable in ${EMPTY_DIR}, so no default bucket name can be derived (set TFSTATE_BUCKET)`,
    );
  });
});

describe('a setting read only with another one is refused when given alone', () => {
  test('TFSTATE_REPLICA_BUCKET without TFSTATE_REPLICA_REGION, from the environment and from the file', () => {
    expect(problemsOf({ TFSTATE_REPLICA_BUCKET: 'team-state-copy' })).toEqual([
      'TFSTATE_REPLICA_BUCKET="team-state-copy": takes effect only with TFSTATE_REPLICA_REGION set; set that too, or remove this setting',
    ]);
    expect(problemsOf({}, dirWithConfig({ replicaBucket: 'team-state-copy' }))).toEqual([
      'tfstate.config.json: replicaBucket="team-state-copy": takes effect only with TFSTATE_REPLICA_REGION set; set that too, or remove this setting',
    ]);
  });
  test('a refused replica region is the one problem reported', () => {
    expect(problemsOf({ TFSTATE_REPLICA_REGION: 'mars-1', TFSTATE_REPLICA_BUCKET: 'team-state-copy' })).toEqual([
      'TFSTATE_REPLICA_REGION="mars-1": must be an AWS region code such as us-east-1 or eu-central-1',
    ]);
  });
  test('alone, it is neither read nor checked: one mistake, one line', () => {
    expect(problemsOf({ TFSTATE_REPLICA_BUCKET: 'Not A Bucket' })).toEqual([
      'TFSTATE_REPLICA_BUCKET="Not A Bucket": takes effect only with TFSTATE_REPLICA_REGION set; set that too, or remove this setting',
    ]);
    expect(configFrom({}).replica).toBeUndefined();
  });
  test('with the region set, the replica bucket is read', () => {
    expect(
      configFrom({ TFSTATE_REPLICA_REGION: 'us-west-2', TFSTATE_REPLICA_BUCKET: 'team-state-copy' }).replica?.bucket,
    ).toBe('team-state-copy');
  });
});

describe('derived defaults are checked only when what they come from is valid', () => {
  const long = `b${'0'.repeat(59)}`; // 60 characters: a bucket, but not with "-logs" or "-replica" after it
  test('the log bucket and the replica bucket of a long bucket name', () => {
    expect(problemsOf({ TFSTATE_BUCKET: long })).toEqual([
      `derived log bucket name="${long}-logs": must be 3 to 63 characters long (has 65)`,
    ]);
    expect(
      problemsOf({ TFSTATE_BUCKET: long, TFSTATE_LOG_BUCKET: 'logs-1', TFSTATE_REPLICA_REGION: 'us-west-2' }),
    ).toEqual([`derived replica bucket name="${long}-replica": must be 3 to 63 characters long (has 68)`]);
  });
  test("the replica's log bucket, only while access logging is on", () => {
    const replica = `r${'0'.repeat(59)}`;
    expect(problemsOf({ TFSTATE_REPLICA_REGION: 'us-west-2', TFSTATE_REPLICA_BUCKET: replica })).toEqual([
      `derived replica log bucket name (TFSTATE_REPLICA_BUCKET + "-logs")="${replica}-logs": must be 3 to 63 characters long (has 65)`,
    ]);
    expect(
      configFrom({
        TFSTATE_REPLICA_REGION: 'us-west-2',
        TFSTATE_REPLICA_BUCKET: replica,
        TFSTATE_ACCESS_LOGGING: 'false',
        TFSTATE_ACCEPT_RISKS: 'no-access-logging',
      }).replica,
    ).toEqual({
      region: 'us-west-2',
      bucket: replica,
      logBucket: undefined,
    });
    // The README row says so: there is no replica log bucket without access logging.
    expect(SETTINGS.replicaBucket.description).toBe(
      'Name of the replica bucket (with access logging on, its access logs go to <replica bucket>-logs there); used only with TFSTATE_REPLICA_REGION (refused without it).',
    );
  });
  test('nothing derived from an invalid bucket, region or replica bucket is reported again', () => {
    // "alias/my bucket" would break the alias rule too.
    expect(problemsOf({ TFSTATE_BUCKET: 'my bucket' })).toEqual([
      'TFSTATE_BUCKET="my bucket": may contain only lowercase letters, digits, dots (.) and hyphens (-)',
    ]);
    expect(problemsOf({ TFSTATE_BUCKET: `B${'0'.repeat(62)}`, TFSTATE_REPLICA_REGION: 'us-west-2' })).toEqual([
      `TFSTATE_BUCKET="B${'0'.repeat(62)}": may contain only lowercase letters, digits, dots (.) and hyphens (-)`,
    ]);
    expect(problemsOf({ TFSTATE_REGION: `us-${'e'.repeat(60)}-1` })).toEqual([
      `TFSTATE_REGION="us-${'e'.repeat(60)}-1": must be an AWS region code such as us-east-1 or eu-central-1`,
    ]);
    expect(problemsOf({ TFSTATE_REPLICA_REGION: 'us-west-2', TFSTATE_REPLICA_BUCKET: `R${'0'.repeat(62)}` })).toEqual([
      `TFSTATE_REPLICA_BUCKET="R${'0'.repeat(62)}": may contain only lowercase letters, digits, dots (.) and hyphens (-)`,
    ]);
  });
  test('the derived names', () => {
    expect(configFrom({ TFSTATE_BUCKET: 'st.ate', TFSTATE_REPLICA_REGION: 'us-west-2' })).toMatchObject({
      kmsAlias: 'alias/st-ate',
      logBucket: 'st.ate-logs',
      replica: { region: 'us-west-2', bucket: 'st.ate-replica', logBucket: 'st.ate-replica-logs' },
    });
  });
});

describe('checks across settings', () => {
  test('accepted risks, from the file too', () => {
    expect(problemsOf({}, dirWithConfig({ noncurrentVersionDays: 29 }))).toEqual([
      'tfstate.config.json: noncurrentVersionDays=29: keeps old state versions less than 30 days; set TFSTATE_ACCEPT_RISKS=short-retention to accept that',
    ]);
    expect(configFrom({ TFSTATE_NONCURRENT_DAYS: '30' }).noncurrentVersionDays).toBe(30);
    expect(problemsOf({}, dirWithConfig({ accessLogging: false }))).toEqual([
      'tfstate.config.json: accessLogging=false: turns off access logging of the state bucket; set TFSTATE_ACCEPT_RISKS=no-access-logging to accept that',
    ]);
    expect(
      configFrom({ TFSTATE_ACCESS_LOGGING: 'false', TFSTATE_ACCEPT_RISKS: 'no-access-logging' }).logBucket,
    ).toBeUndefined();
  });
  test("every bucket is distinct: log, replica and the replica's log bucket", () => {
    expect(problemsOf({}, dirWithConfig({ bucket: 'one-bucket', logBucket: 'one-bucket' }))).toEqual([
      'tfstate.config.json: logBucket="one-bucket": is already the bucket of tfstate.config.json: bucket; state, logs and replica need separate buckets',
    ]);
    expect(
      problemsOf({
        TFSTATE_REPLICA_REGION: 'us-west-2',
        TFSTATE_REPLICA_BUCKET: 'tfstate-0a1b2c3d4e5f-us-east-1-logs',
      }),
    ).toEqual([
      'TFSTATE_REPLICA_BUCKET="tfstate-0a1b2c3d4e5f-us-east-1-logs": is already the bucket of TFSTATE_LOG_BUCKET; state, logs and replica need separate buckets',
    ]);
    expect(
      problemsOf({
        TFSTATE_REPLICA_REGION: 'us-west-2',
        TFSTATE_REPLICA_BUCKET: 'rep',
        TFSTATE_LOG_BUCKET: 'rep-logs',
      }),
    ).toEqual([
      'replica log bucket (TFSTATE_REPLICA_BUCKET-logs)="rep-logs": is already the bucket of TFSTATE_LOG_BUCKET; state, logs and replica need separate buckets',
    ]);
    // With access logging off the log bucket is no bucket of the project.
    expect(
      configFrom({
        TFSTATE_BUCKET: 'one',
        TFSTATE_LOG_BUCKET: 'one',
        TFSTATE_ACCESS_LOGGING: 'false',
        TFSTATE_ACCEPT_RISKS: 'no-access-logging',
      }).bucket,
    ).toBe('one');
  });
  test('the replica region differs from the region it copies', () => {
    expect(problemsOf({}, dirWithConfig({ region: 'eu-west-1', replicaRegion: 'eu-west-1' }))).toEqual([
      'tfstate.config.json: replicaRegion="eu-west-1": must differ from the state bucket\'s region (cross-region replication)',
    ]);
  });
  test('the key of an existing KMS key is checked against the region, also a region from the file', () => {
    expect(
      problemsOf(
        { TFSTATE_KMS_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
        dirWithConfig({ region: 'eu-west-1' }),
      ),
    ).toEqual([
      'TFSTATE_KMS_KEY_ARN="arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab": must be a key in eu-west-1, the state bucket\'s region (S3 encrypts only with keys of its own region)',
    ]);
  });
  test('two stacks never share a state key, from the file too', () => {
    expect(problemsOf({}, dirWithConfig({ stateKey: 'one', bootstrapStateKey: 'one' }))).toEqual([
      'tfstate.config.json: bootstrapStateKey="one": is already the state key of tfstate.config.json: stateKey; two stacks must not share a state object',
    ]);
    // Environments keep their keys under their own prefix: env/dev/ is free when that prefix is envs.
    expect(
      configFrom({
        TFSTATE_KEY: 'env/dev/terraform.tfstate',
        TFSTATE_ENVIRONMENTS: 'dev',
        TFSTATE_ENV_KEY_PREFIX: 'envs',
      }).stateKey,
    ).toBe('env/dev/terraform.tfstate');
  });
});

describe('a key in a folder of another party is reported once, as that', () => {
  test('a key in both folders, when the folders overlap', () => {
    expect(problemsOf({ TFSTATE_KOPS_PREFIX: 'x', TFSTATE_ENV_KEY_PREFIX: 'x/y', TFSTATE_KEY: 'x/y/k' })).toEqual([
      'TFSTATE_KOPS_PREFIX="x": overlaps TFSTATE_ENV_KEY_PREFIX="x/y"; the kOps state store and the environments\' keys need separate folders',
      'TFSTATE_KEY="x/y/k": lies in folder "x" (TFSTATE_KOPS_PREFIX), the kOps state store (kOps users may read and delete everything in it); choose a key outside it',
    ]);
  });
  test('an invalid key is reported by its own rule only, not again by the denies its wildcard would reach', () => {
    expect(problemsOf({ TFSTATE_KEY: 'terraform.tfstate*', TFSTATE_ENVIRONMENTS: 'dev' })).toEqual([
      'TFSTATE_KEY="terraform.tfstate*": must not contain "*" or "?" (IAM wildcards: a policy for this key would cover other keys)',
    ]);
  });
});

describe('parsers', () => {
  const parse = <T>(
    parser: { read(value: unknown, context: { settings: undefined; fail(rule: string): void }): T | undefined },
    value: unknown,
  ) => {
    const problems: string[] = [];
    const result = parser.read(value, { settings: undefined, fail: (rule) => problems.push(rule) });
    return { result, problems };
  };
  test('text keeps a value that breaks its rule, and says so', () => {
    expect(
      parse(
        text(() => 'is wrong'),
        'x',
      ),
    ).toEqual({ result: 'x', problems: ['is wrong'] });
    expect(
      parse(
        text(
          () => undefined,
          (value) => value.toUpperCase(),
        ),
        'x',
      ),
    ).toEqual({ result: 'X', problems: [] });
  });
  test('a whole number refused by its rule is no value', () => {
    expect(
      parse(
        wholeNumber(() => 'too big'),
        '7',
      ),
    ).toEqual({ result: undefined, problems: ['too big'] });
    expect(
      parse(
        wholeNumber(() => undefined),
        '12.5',
      ),
    ).toEqual({ result: undefined, problems: ['must be a whole number'] });
    expect(
      parse(
        wholeNumber(() => undefined),
        12,
      ),
    ).toEqual({ result: 12, problems: [] });
  });
  test('flag and oneOf', () => {
    expect(parse(flag(), 'false')).toEqual({ result: false, problems: [] });
    expect(parse(flag(), 1)).toEqual({ result: undefined, problems: ['must be true or false'] });
    expect(parse(oneOf(['a', 'b']), 'b')).toEqual({ result: 'b', problems: [] });
  });
});

describe('parsers at their edges', () => {
  test('a whole number from the file is a number; true is not one', () => {
    expect(problemsOf({}, dirWithConfig({ noncurrentVersionDays: true }))).toEqual([
      'tfstate.config.json: noncurrentVersionDays=true: must be a whole number',
    ]);
  });
  test('a list holding one number is not a number (digits are read from strings only)', () => {
    expect(problemsOf({}, dirWithConfig({ noncurrentVersionDays: [30] }))).toEqual([
      'tfstate.config.json: noncurrentVersionDays=[30]: must be a whole number',
    ]);
  });
  test('a list of strings only: one item of another type refuses the list', () => {
    expect(problemsOf({}, dirWithConfig({ environments: ['dev', 3] }))).toEqual([
      'tfstate.config.json: environments=["dev",3]: must be a comma-separated string or a list of strings',
    ]);
  });
  test('tags as a string: empty and blank items are skipped, blanks around "=" trimmed', () => {
    expect(configFrom({ TFSTATE_TAGS: 'team = platform,, ,cost-center=42,' }).tags).toEqual({
      team: 'platform',
      'cost-center': '42',
    });
  });
  test.each([
    ['a number', 5, '5'],
    ['null', null, 'null'],
    ['a list', ['team=platform'], '["team=platform"]'],
  ])('tags as %s in the file are refused', (_, value, shownValue) => {
    expect(problemsOf({}, dirWithConfig({ tags: value }))).toEqual([
      `tfstate.config.json: tags=${shownValue}: must be a comma-separated string of key=value or an object of strings`,
    ]);
  });
  test('readers: a writer listed again, and a reader listed twice', () => {
    expect(
      problemsOf({ TFSTATE_CROSS_ACCOUNT_PRINCIPALS: '111122223333', TFSTATE_CROSS_ACCOUNT_READERS: '111122223333' }),
    ).toEqual([
      'TFSTATE_CROSS_ACCOUNT_READERS="111122223333": is already a writer (TFSTATE_CROSS_ACCOUNT_PRINCIPALS) ("111122223333")',
    ]);
    expect(problemsOf({ TFSTATE_CROSS_ACCOUNT_READERS: '444455556666,444455556666' })).toEqual([
      'TFSTATE_CROSS_ACCOUNT_READERS="444455556666,444455556666": each principal must be listed once ("444455556666")',
    ]);
  });
  test('an unknown accepted risk names the known ones', () => {
    expect(problemsOf({ TFSTATE_ACCEPT_RISKS: 'yolo' })).toEqual([
      'TFSTATE_ACCEPT_RISKS="yolo": must list only no-access-logging, short-retention ("yolo")',
    ]);
  });
  test('the README default of a number, a list, a map and a fallback', () => {
    expect(renderDefault(SETTINGS.noncurrentVersionDays as Setting<unknown>)).toBe('90');
    expect(renderDefault(SETTINGS.environments as Setting<unknown>)).toBe('(none)');
    expect(renderDefault(SETTINGS.tags as Setting<unknown>)).toBe('(none)');
    expect(renderDefault(SETTINGS.region as Setting<unknown>)).toBe(
      'AWS_REGION, then AWS_DEFAULT_REGION, then us-east-1',
    );
  });
});
