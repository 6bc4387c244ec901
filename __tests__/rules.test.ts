import {
  accountIdRule,
  bucketNameRule,
  endpointRule,
  environmentNameRule,
  existingStateKeyRule,
  keyPrefixRule,
  kmsAliasRule,
  kmsKeyArnRule,
  principalArnRule,
  regionRule,
  retentionDaysRule,
  roleArnRule,
  stateKeyRule,
  tableNameRule,
  tagValueRule,
} from '../config/rules';

describe('S3 bucket naming rules', () => {
  test.each(['abc', 'my-state-bucket', 'tfstate.example.com', 'a'.repeat(63), '1bucket2', 'xn-single-dash'])(
    'accepts %s',
    (name) => {
      expect(bucketNameRule(name)).toBeUndefined();
    },
  );
  test.each([
    ['ab', /3 to 63/],
    ['a'.repeat(64), /3 to 63/],
    ['My-Bucket', /lowercase/],
    ['bucket_name', /lowercase/],
    ['bucket name', /lowercase/],
    ['-bucket', /begin and end/],
    ['bucket-', /begin and end/],
    ['.bucket', /begin and end/],
    ['bucket.', /begin and end/],
    ['my..bucket', /adjacent dots/],
    ['my.-bucket', /dot next to a hyphen/],
    ['my-.bucket', /dot next to a hyphen/],
    ['192.168.5.4', /IP address/],
    ['xn--bucket', /reserved prefix "xn--"/],
    ['sthree-bucket', /reserved prefix "sthree-"/],
    ['amzn-s3-demo-bucket', /reserved prefix "amzn-s3-demo-"/],
    ['bucket-s3alias', /reserved suffix "-s3alias"/],
    ['bucket--ol-s3', /reserved suffix "--ol-s3"/],
    ['bucket.mrap', /reserved suffix ".mrap"/],
    ['bucket--x-s3', /reserved suffix "--x-s3"/],
    ['bucket--table-s3', /reserved suffix "--table-s3"/],
  ])('rejects %s', (name, rule) => {
    expect(bucketNameRule(name)).toMatch(rule);
  });
});

describe('DynamoDB table naming rules', () => {
  test.each(['abc', 'terraform-locks', 'Locks_2024.v1', 'a'.repeat(255)])('accepts %s', (name) => {
    expect(tableNameRule(name)).toBeUndefined();
  });
  test.each([
    ['ab', /3 to 255/],
    ['a'.repeat(256), /3 to 255/],
    ['locks table', /only letters/],
    ['locks/table', /only letters/],
    ['läcks', /only letters/],
  ])('rejects %s', (name, rule) => {
    expect(tableNameRule(name)).toMatch(rule);
  });
});

describe('region codes', () => {
  test.each([
    'us-east-1',
    'eu-central-1',
    'ap-southeast-4',
    'us-gov-west-1',
    'cn-northwest-1',
    'us-isob-east-1',
    'il-central-1',
    'eusc-de-east-1',
  ])('accepts %s', (region) => expect(regionRule(region)).toBeUndefined());
  test.each([
    '',
    'US-EAST-1',
    'us-east',
    'useast1',
    'us-east-1a',
    'us_east_1',
    'us-middle-1',
    'us-east-0',
    ' us-east-1',
  ])('rejects %j', (region) => {
    expect(regionRule(region)).toMatch(/AWS region code/);
  });
});

describe('state keys', () => {
  test.each(['terraform.tfstate', 'app/terraform.tfstate', 'a/b/c/state.json', 'ünïcode/state'])(
    'accepts %s',
    (key) => {
      expect(stateKeyRule(key)).toBeUndefined();
    },
  );
  test.each([
    ['', /empty/],
    ['/app/terraform.tfstate', /start or end with "\/"/],
    ['app/', /start or end with "\/"/],
    ['app//terraform.tfstate', /"\/\/"/],
    ['app/\u0001state', /control characters/],
    ['app/../state', /path segments/],
    ['./state', /path segments/],
    ['app/state.tflock', /\.tflock/],
    ['app/state-md5', /-md5/],
    ['k'.repeat(1025), /1024 bytes/],
    ['é'.repeat(513), /1024 bytes/],
    // A policy for --key 'network/*' would grant every key under network/, '?' any one character.
    ['network/*', /^must not contain "\*" or "\?" \(IAM wildcards/],
    ['team?/terraform.tfstate', /^must not contain "\*" or "\?" \(IAM wildcards/],
    // "${" is a Terraform template in the synthesized JSON, and an IAM policy variable in an ARN.
    ['${aws:username}/terraform.tfstate', /^must not contain "\$\{" or "%\{"/],
  ])('rejects %j', (key, rule) => {
    expect(stateKeyRule(key)).toMatch(rule);
  });
  test('a key already in a bucket may hold IAM wildcards: npm run state moves it to a key a policy can name', () => {
    expect(existingStateKeyRule('legacy/*/terraform.tfstate')).toBeUndefined();
    expect(existingStateKeyRule('app//state')).toMatch(/"\/\/"/);
  });
  test('environment key prefixes also refuse the workspace separator', () => {
    expect(keyPrefixRule('env')).toBeUndefined();
    expect(keyPrefixRule('env:')).toMatch(/":"/);
    expect(keyPrefixRule('/env')).toMatch(/start or end/);
  });
});

describe('KMS aliases', () => {
  test.each(['alias/tfstate', 'alias/team/tfstate_key-1'])('accepts %s', (alias) =>
    expect(kmsAliasRule(alias)).toBeUndefined(),
  );
  test.each([
    ['tfstate', /start with "alias\/"/],
    ['alias/', /1 to 250/],
    ['alias/aws/s3', /reserved/],
    ['alias/has.dot', /only letters/],
    [`alias/${'a'.repeat(251)}`, /1 to 250/],
  ])('rejects %s', (alias, rule) => expect(kmsAliasRule(alias)).toMatch(rule));
});

describe('endpoint URLs', () => {
  test.each(['http://127.0.0.1:5000', 'https://s3.example.internal', 'http://localhost:4566/'])('accepts %s', (url) => {
    expect(endpointRule(url)).toBeUndefined();
  });
  test.each([
    ['127.0.0.1:5000', /absolute URL/],
    ['localhost:4566', /http:\/\/ or https:\/\//],
    ['localhost', /absolute URL/],
    ['ftp://127.0.0.1', /http:\/\/ or https:\/\//],
    ['http://user:secret@127.0.0.1:5000', /credentials/],
    ['http://127.0.0.1:5000/?x=1', /query/],
    ['http://127.0.0.1:5000/#top', /fragment/],
    ['not a url', /absolute URL/],
    // AWS itself: emulator mode would leave the TLS and encryption denies out of a real bucket's policy.
    ['https://s3.us-east-1.amazonaws.com', /must not name AWS itself \(amazonaws\.com\)/],
    ['https://S3.AMAZONAWS.COM./', /must not name AWS itself \(amazonaws\.com\)/],
    ['https://s3.amazonaws\u3002com', /must not name AWS itself \(amazonaws\.com\)/],
    ['https://bucket.vpce-0a1b.s3.us-east-1.vpce.amazonaws.com', /must not name AWS itself/],
    ['https://s3.cn-north-1.amazonaws.com.cn', /must not name AWS itself \(amazonaws\.com\.cn\)/],
    ['https://s3.dualstack.us-east-1.api.aws', /must not name AWS itself \(api\.aws\)/],
  ])('rejects %s', (url, rule) => expect(endpointRule(url)).toMatch(rule));
  test('accepts a host that only ends like an AWS domain', () =>
    expect(endpointRule('http://notamazonaws.com:4566')).toBeUndefined());
});

describe('environment names and retention days', () => {
  test.each(['dev', 'prod-eu', 'qa2'])('accepts environment %s', (name) =>
    expect(environmentNameRule(name)).toBeUndefined(),
  );
  test.each(['Dev', '1dev', 'dev_1', 'dev-', '', 'a'.repeat(33)])('rejects environment %j', (name) => {
    expect(environmentNameRule(name)).toMatch(/environment/);
  });
  test.each([1, 90, 36500])('accepts %d days', (days) => expect(retentionDaysRule(days)).toBeUndefined());
  test.each([0, -1, 1.5, 36501, NaN])('rejects %d days', (days) =>
    expect(retentionDaysRule(days)).toMatch(/whole number/),
  );
});

describe('cross-account principals', () => {
  test.each([
    '123456789012',
    'arn:aws:iam::123456789012:root',
    'arn:aws:iam::123456789012:user/kopsuser',
    'arn:aws:iam::123456789012:role/platform/terraform-ci',
    'arn:aws-us-gov:iam::123456789012:role/tf',
    'arn:aws-cn:iam::123456789012:user/a.b@c',
  ])('accepts %s', (principal) => expect(principalArnRule(principal)).toBeUndefined());
  test.each([
    ['*', /wildcards/],
    ['arn:aws:iam::*:root', /wildcards/],
    ['arn:aws:iam::123456789012:role/*', /wildcards/],
    ['12345678901', /12-digit account id/],
    ['arn:aws:iam::12345678901:root', /12-digit account id/],
    ['arn:aws:s3:::bucket', /12-digit account id/],
    ['arn:aws:iam::123456789012:group/admins', /root, a user/],
    ['arn:aws:iam::123456789012:role/', /root, a user/],
    ['arn:aws:iam::123456789012:policy/x', /root, a user/],
    ['AROAEXAMPLEID', /12-digit account id/],
  ])('rejects %s', (principal, rule) => expect(principalArnRule(principal)).toMatch(rule));
});

describe('each rule holds over the whole value: limits, anchors, and every AWS domain', () => {
  test('bucket names: only a whole IPv4 address is refused as one', () => {
    expect(bucketNameRule('192.168.1.1')).toBe('must not be formatted as an IP address');
    expect(bucketNameRule('a192.168.1.1')).toBeUndefined();
    expect(bucketNameRule('192.168.1.1a')).toBeUndefined();
  });
  test('state keys: empty refused; 1024 bytes is the most', () => {
    expect(existingStateKeyRule('')).toBe('must not be empty');
    expect(stateKeyRule('')).toBe('must not be empty');
    expect(existingStateKeyRule(`${'é'.repeat(511)}ab`)).toBeUndefined();
    expect(existingStateKeyRule(`${'é'.repeat(511)}abc`)).toBe('must be at most 1024 bytes (S3 object key limit)');
  });
  test('KMS alias names: 1 to 250 characters after "alias/"', () => {
    expect(kmsAliasRule('alias/a')).toBeUndefined();
    expect(kmsAliasRule(`alias/${'a'.repeat(250)}`)).toBeUndefined();
    expect(kmsAliasRule(`alias/${'a'.repeat(251)}`)).toBe('must have 1 to 250 characters after "alias/"');
    expect(kmsAliasRule('alias/')).toBe('must have 1 to 250 characters after "alias/"');
  });
  test.each([
    ['http://user@127.0.0.1:4566', 'must not carry credentials (use AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)'],
    ['http://:secret@127.0.0.1:4566', 'must not carry credentials (use AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)'],
    // No host: the URL parser itself refuses it.
    ['http://', 'must be an absolute URL such as http://127.0.0.1:5000'],
    ['http://:4566', 'must be an absolute URL such as http://127.0.0.1:5000'],
  ])('endpoint %s: %s', (url, rule) => expect(endpointRule(url)).toBe(rule));
  test.each([
    ['https://amazonaws.com', 'amazonaws.com'],
    ['https://s3.us-east-1.amazonaws.com..', 'amazonaws.com'],
    ['https://s3.cn-north-1.amazonaws.com.cn', 'amazonaws.com.cn'],
    ['https://s3.eusc-de-east-1.amazonaws.eu', 'amazonaws.eu'],
    ['https://s3.us-east-1.api.aws', 'api.aws'],
    ['https://s3.us-iso-east-1.c2s.ic.gov', 'c2s.ic.gov'],
    ['https://s3.us-isob-east-1.sc2s.sgov.gov', 'sc2s.sgov.gov'],
    ['https://s3.eu-isoe-west-1.cloud.adc-e.uk', 'cloud.adc-e.uk'],
    ['https://s3.us-isof-south-1.csp.hci.ic.gov', 'csp.hci.ic.gov'],
  ])('endpoint %s names AWS itself (%s)', (url, domain) => {
    expect(endpointRule(url)).toBe(
      `must not name AWS itself (${domain}): an endpoint means an emulator, for which synth leaves out the bucket policies' TLS and encryption denies; unset it for real AWS`,
    );
  });
  test('account ids and principals: twelve digits exactly, ARNs from their start to their end', () => {
    const badPrincipal = 'must be a 12-digit account id or an IAM ARN such as arn:aws:iam::123456789012:role/terraform';
    expect(accountIdRule('x123456789012')).toBe('must be a 12-digit AWS account id');
    expect(accountIdRule('1234567890123')).toBe('must be a 12-digit AWS account id');
    expect(principalArnRule('x123456789012')).toBe(badPrincipal);
    expect(principalArnRule('1234567890123')).toBe(badPrincipal);
    expect(principalArnRule('xarn:aws:iam::123456789012:role/terraform')).toBe(badPrincipal);
    expect(principalArnRule('arn:aws-iso-b:iam::123456789012:role/terraform')).toBeUndefined();
    expect(principalArnRule('arn:aws-iso-1:iam::123456789012:role/terraform')).toBe(badPrincipal);
    // A line break ends neither the ARN nor the check: whatever follows it is part of the value.
    expect(principalArnRule('arn:aws:iam::123456789012:role/terraform\nrole/other')).toBe(badPrincipal);
    expect(principalArnRule('arn:aws:iam::123456789012:xrole/terraform')).toBe(
      'must name root, a user/<name> or a role/<name> after the account id',
    );
    expect(principalArnRule(`arn:aws:iam::123456789012:role/${'r'.repeat(65)}`)).toBe(
      'must name root, a user/<name> or a role/<name> after the account id',
    );
  });
  test('key ARNs and role ARNs: from their start to their end', () => {
    const key = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const badKey =
      'must be a KMS key ARN such as arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const badKeyId = 'must end in key/<key id> (a UUID or mrk-<32 hex digits>)';
    expect(kmsKeyArnRule(key, 'us-east-1')).toBeUndefined();
    expect(kmsKeyArnRule(`x${key}`, 'us-east-1')).toBe(badKey);
    expect(
      kmsKeyArnRule(
        'arn:aws-iso-b:kms:us-isob-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        'us-isob-east-1',
      ),
    ).toBeUndefined();
    expect(
      kmsKeyArnRule('arn:aws-iso-1:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab', 'us-east-1'),
    ).toBe(badKey);
    expect(kmsKeyArnRule(`${key}0`, 'us-east-1')).toBe(badKeyId);
    expect(kmsKeyArnRule(`${key}\nkey/other`, 'us-east-1')).toBe(badKey);
    expect(
      kmsKeyArnRule('arn:aws:kms:us-east-1:123456789012:key/x1234abcd-12ab-34cd-56ef-1234567890ab', 'us-east-1'),
    ).toBe(badKeyId);
    const badRole = 'must be an IAM role ARN such as arn:aws:iam::123456789012:role/terraform';
    expect(roleArnRule('arn:aws:iam::123456789012:role/terraform')).toBeUndefined();
    expect(roleArnRule('arn:aws-iso-b:iam::123456789012:role/terraform')).toBeUndefined();
    expect(roleArnRule('xarn:aws:iam::123456789012:role/terraform')).toBe(badRole);
    expect(roleArnRule('arn:aws-iso-1:iam::123456789012:role/terraform')).toBe(badRole);
    expect(roleArnRule(`arn:aws:iam::123456789012:role/${'r'.repeat(65)}`)).toBe(badRole);
  });
  test('tag values: only the characters every service takes', () => {
    expect(tagValueRule('team', 'platform / infra: 2026+')).toBeUndefined();
    expect(tagValueRule('team', 'a;b')).toBe(
      'tag values may contain only letters, digits, spaces and _ . : / = + - @ (the value of "team")',
    );
  });
});
