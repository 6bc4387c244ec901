import { kmsKeyArnRule, profileNameRule, roleArnRule, tagKeyRule, tagValueRule } from '../config/rules';
import { configFrom, dirWithConfig, problemsOf, synthAll } from './helpers';

const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('TFSTATE_TAGS', () => {
  test('key=value pairs, values may hold "=" and be empty; the file may give an object', () => {
    expect(configFrom({ TFSTATE_TAGS: 'team=platform, cost-center=42,formula=a=b,empty=' }).tags).toEqual({
      team: 'platform',
      'cost-center': '42',
      formula: 'a=b',
      empty: '',
    });
    expect(configFrom({}, dirWithConfig({ tags: { team: 'platform', 'Owner Name': 'Ops @ HQ' } })).tags).toEqual({
      team: 'platform',
      'Owner Name': 'Ops @ HQ',
    });
    expect(Object.isFrozen(configFrom({ TFSTATE_TAGS: 'a=b' }).tags)).toBe(true);
  });
  test('keys that name properties of every JavaScript object are tags like any other', () => {
    expect(configFrom({ TFSTATE_TAGS: 'constructor=a,toString=b' }).tags).toEqual({ constructor: 'a', toString: 'b' });
    expect(synthAll({ TFSTATE_TAGS: 'constructor=a,toString=b' }).bootstrap.json.provider.aws[0].default_tags).toEqual([
      {
        tags: {
          ManagedBy: 'tfstate-backend',
          StateBucket: 'tfstate-0a1b2c3d4e5f-us-east-1',
          constructor: 'a',
          toString: 'b',
        },
      },
    ]);
  });
  // It passed validation and then silently went missing from the synthesized default_tags.
  test('"__proto__", which cdktf cannot write, is refused', () => {
    expect(problemsOf({ TFSTATE_TAGS: '__proto__=x' })).toEqual([
      'TFSTATE_TAGS="__proto__=x": tag key "__proto__" cannot be synthesized (cdktf drops it from the provider\'s default_tags); pick another key',
    ]);
    expect(problemsOf({}, dirWithConfig('{"tags": {"__proto__": "x"}}'))).toEqual([
      'tfstate.config.json: tags={"__proto__":"x"}: tag key "__proto__" cannot be synthesized (cdktf drops it from the provider\'s default_tags); pick another key',
    ]);
  });
  test.each([
    ['team', 'each tag must be key=value ("team")'],
    ['aws:createdBy=me', 'tag keys must not start with "aws:" (reserved for AWS) ("aws:createdBy")'],
    ['AWS:x=1', 'tag keys must not start with "aws:" (reserved for AWS) ("AWS:x")'],
    ['team=a,team=b', 'each tag key must be listed once, in any case (IAM ignores case) ("team")'],
    ['ManagedBy=me', '"ManagedBy" is a tag the project sets itself (ManagedBy, StateBucket; IAM ignores case)'],
    // IAM compares tag keys without case: the managed policies would fail at apply with "Duplicate tag keys".
    ['Team=a,team=b', 'each tag key must be listed once, in any case (IAM ignores case) ("team")'],
    ['managedby=me', '"managedby" is a tag the project sets itself (ManagedBy, StateBucket; IAM ignores case)'],
    ['=x', 'tag keys must be 1 to 128 characters long ("" has 0)'],
    ['cost$center=1', 'tag keys may contain only letters, digits, spaces and _ . : / = + - @ ("cost$center")'],
    // Refused before the tag rules by the rule every setting has: Terraform would evaluate it.
    [
      'team=${var.x}',
      'must not contain "${" or "%{" (Terraform would evaluate it as an expression in the synthesized configuration)',
    ],
  ])('%s is refused in one line', (value, rule) => {
    expect(problemsOf({ TFSTATE_TAGS: value })).toEqual([`TFSTATE_TAGS=${JSON.stringify(value)}: ${rule}`]);
  });
  test("lengths and count follow AWS: keys up to 128, values up to 256, at most 48 besides the project's two", () => {
    expect(tagKeyRule('k'.repeat(128))).toBeUndefined();
    expect(tagKeyRule('k'.repeat(129))).toBe(
      `tag keys must be 1 to 128 characters long ("${'k'.repeat(129)}" has 129)`,
    );
    expect(tagValueRule('k', 'v'.repeat(256))).toBeUndefined();
    expect(tagValueRule('k', 'v'.repeat(257))).toBe(
      'tag values must be at most 256 characters long (the value of "k" has 257)',
    );
    const tags = (n: number) => Array.from({ length: n }, (_, i) => `t${i}=v`).join(',');
    expect(Object.keys(configFrom({ TFSTATE_TAGS: tags(48) }).tags)).toHaveLength(48);
    // A long value is shown cut to 100 characters, with its length.
    expect(problemsOf({ TFSTATE_TAGS: tags(49) })).toEqual([
      'TFSTATE_TAGS="t0=v,t1=v,t2=v,t3=v,t4=v,t5=v,t6=v,t7=v,t8=v,t9=v,t10=v,t11=v,t12=v,t13=v,t14=v,t15=v,t16=v,t17=v,t... (285 characters): at most 48 tags (AWS allows 50 per resource; the project sets 2)',
    ]);
  });
  test('a value of the wrong type in the file', () => {
    expect(problemsOf({}, dirWithConfig({ tags: ['team=platform'] }))).toEqual([
      'tfstate.config.json: tags=["team=platform"]: must be a comma-separated string of key=value or an object of strings',
    ]);
    expect(problemsOf({}, dirWithConfig({ tags: { team: 1 } }))).toEqual([
      'tfstate.config.json: tags={"team":1}: tag values must be strings (the value of "team")',
    ]);
    // The template rule reaches an object's keys and values too.
    expect(problemsOf({}, dirWithConfig({ tags: { team: '%{x}' } }))).toEqual([
      'tfstate.config.json: tags={"team":"%{x}"}: must not contain "${" or "%{" (Terraform would evaluate it as an expression in the synthesized configuration)',
    ]);
    expect(problemsOf({}, dirWithConfig({ tags: { '${x}': 'a' } }))).toEqual([
      'tfstate.config.json: tags={"${x}":"a"}: must not contain "${" or "%{" (Terraform would evaluate it as an expression in the synthesized configuration)',
    ]);
  });
});

describe('TFSTATE_ADOPT and TFSTATE_KMS_KEY_ARN', () => {
  test('adopt is a boolean, from the environment or the file', () => {
    expect(configFrom({ TFSTATE_ADOPT: 'true' }).adopt).toBe(true);
    expect(configFrom({}, dirWithConfig({ adopt: true })).adopt).toBe(true);
    expect(problemsOf({ TFSTATE_ADOPT: 'yes' })).toEqual(['TFSTATE_ADOPT="yes": must be true or false']);
  });
  test("a key ARN in the bucket's region is taken as is", () => {
    expect(configFrom({ TFSTATE_KMS_KEY_ARN: KEY_ARN }).kmsKeyArn).toBe(KEY_ARN);
    expect(
      kmsKeyArnRule('arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab', 'eu-west-1'),
    ).toBeUndefined();
  });
  test.each([
    ['arn:aws:kms:us-east-1:123456789012:alias/state', 'must name the key itself (key/<id>), not an alias'],
    [
      '1234abcd-12ab-34cd-56ef-1234567890ab',
      'must be a KMS key ARN such as arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    ],
    [
      'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      "must be a key in us-east-1, the state bucket's region (S3 encrypts only with keys of its own region)",
    ],
    ['arn:aws:kms:us-east-1:123456789012:key/*', 'must end in key/<key id> (a UUID or mrk-<32 hex digits>)'],
  ])('%s is refused', (arn, rule) => {
    expect(problemsOf({ TFSTATE_KMS_KEY_ARN: arn })).toEqual([`TFSTATE_KMS_KEY_ARN=${JSON.stringify(arn)}: ${rule}`]);
  });
  test('an existing key cannot carry the cross-account grants (its key policy is not ours)', () => {
    expect(problemsOf({ TFSTATE_KMS_KEY_ARN: KEY_ARN, TFSTATE_CROSS_ACCOUNT_PRINCIPALS: '111122223333' })).toEqual([
      `TFSTATE_KMS_KEY_ARN=${JSON.stringify(KEY_ARN)}: the key policy of an existing key is not managed here, so it cannot grant TFSTATE_CROSS_ACCOUNT_PRINCIPALS; add those grants to its key policy and drop one of the two settings`,
    ]);
  });
  test('nor the cross-account readers', () => {
    expect(problemsOf({ TFSTATE_KMS_KEY_ARN: KEY_ARN, TFSTATE_CROSS_ACCOUNT_READERS: '111122223333' })).toEqual([
      `TFSTATE_KMS_KEY_ARN=${JSON.stringify(KEY_ARN)}: the key policy of an existing key is not managed here, so it cannot grant TFSTATE_CROSS_ACCOUNT_READERS; add those grants to its key policy and drop one of the two settings`,
    ]);
  });
});

describe('credentials for the exports', () => {
  test('role ARNs: IAM roles only, paths allowed', () => {
    expect(roleArnRule('arn:aws:iam::123456789012:role/terraform')).toBeUndefined();
    expect(roleArnRule('arn:aws-us-gov:iam::123456789012:role/ci/terraform')).toBeUndefined();
    for (const bad of [
      'arn:aws:iam::123456789012:user/alice',
      'arn:aws:iam::123456789012:role/*',
      'terraform',
      'arn:aws:iam::12345:role/x',
    ]) {
      expect(roleArnRule(bad)).toBe('must be an IAM role ARN such as arn:aws:iam::123456789012:role/terraform');
    }
  });
  test('profile names', () => {
    for (const good of ['default', 'prod-admin', 'team.ci@acme', 'p_1']) expect(profileNameRule(good)).toBeUndefined();
    for (const bad of ['', 'has space', 'a"b', '$(id)', '-flag']) {
      expect(profileNameRule(bad)).toBe(
        'must be a profile name of 1 to 64 letters, digits and _ . + @ - (as in ~/.aws/config)',
      );
    }
  });
});
