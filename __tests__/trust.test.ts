// The config file may come from anyone who opens a pull request: what would send the state and credentials to
// another host, lift a protection or accept a risk is refused from it in one line, and still works from the
// environment of whoever runs the command.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFrom, dirWithConfig, problemsOf } from './helpers';

const ENDPOINT_REFUSED =
  ": may come only from the environment of whoever runs the command, or from the file as a loopback URL (host localhost, 127.x.y.z or [::1]) (it would send the state and the caller's credentials to that host); the file may come from a pull request. Set AWS_ENDPOINT_URL for an emulator elsewhere";

describe('a hostile config file is refused in one line naming the file, the key and the variable', () => {
  test.each([
    [
      { endpoint: 'http://203.0.113.9:4566' },
      `tfstate.config.json: endpoint="http://203.0.113.9:4566"${ENDPOINT_REFUSED}`,
    ],
    [
      { endpoint: 'https://s3.attacker.example' },
      `tfstate.config.json: endpoint="https://s3.attacker.example"${ENDPOINT_REFUSED}`,
    ],
    // The URL parser reads the host after "@": the loopback address here is a user name.
    [
      { endpoint: 'http://127.0.0.1@attacker.example/' },
      `tfstate.config.json: endpoint="http://127.0.0.1@attacker.example/"${ENDPOINT_REFUSED}`,
    ],
    [
      { allowDestroy: true },
      'tfstate.config.json: allowDestroy: may come only from the environment of whoever runs the command (it lifts prevent_destroy and deletion protection); the file may come from a pull request. Nothing uses it from here; the teardown sets TFSTATE_ALLOW_DESTROY itself',
    ],
    [
      { acceptRisks: ['no-access-logging'], accessLogging: false },
      'tfstate.config.json: acceptRisks: may come only from the environment of whoever runs the command (it accepts a weakening, and the file that may make the weakening must not also accept it); the file may come from a pull request. Set TFSTATE_ACCEPT_RISKS when you run the command',
    ],
    [
      { crossAccountPrincipals: ['111122223333'] },
      'tfstate.config.json: crossAccountPrincipals: may come only from the environment of whoever runs the command (it opens the state to other AWS accounts); the file may come from a pull request. Set TFSTATE_CROSS_ACCOUNT_PRINCIPALS when you deploy bootstrap',
    ],
    [
      { crossAccountReaders: ['arn:aws:iam::111122223333:role/ci'] },
      'tfstate.config.json: crossAccountReaders: may come only from the environment of whoever runs the command (it opens the state to other AWS accounts); the file may come from a pull request. Set TFSTATE_CROSS_ACCOUNT_READERS when you deploy bootstrap',
    ],
    // The e2e attack: a file naming another key of the account made `deploy bootstrap` exit 0 with the created key PendingDeletion.
    [
      { kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
      'tfstate.config.json: kmsKeyArn: may come only from the environment of whoever runs the command (it takes the KMS key bootstrap created out of the configuration, where prevent_destroy no longer holds it: the next deploy schedules it for deletion); the file may come from a pull request. Set TFSTATE_KMS_KEY_ARN when you deploy bootstrap',
    ],
  ])('%j', (file, line) => {
    expect(problemsOf({}, dirWithConfig(file))[0]).toBe(line);
  });
  // The bucket policy granted TFSTATE_CROSS_ACCOUNT_PRINCIPALS (environment) network/terraform.tfstate and legacy/* (file).
  test('with cross-account grants, the keys they cover come only from the environment', () => {
    const file = dirWithConfig({
      stateKey: 'network/terraform.tfstate',
      kopsPrefix: 'legacy',
      environments: ['dev'],
      environmentKeyPrefix: 'teams',
    });
    expect(problemsOf({ TFSTATE_CROSS_ACCOUNT_PRINCIPALS: '111122223333' }, file)).toEqual([
      'tfstate.config.json: stateKey="network/terraform.tfstate": names objects that TFSTATE_CROSS_ACCOUNT_PRINCIPALS are granted, so with them it may come only from the environment (the file may come from a pull request); set TFSTATE_KEY',
      'tfstate.config.json: environmentKeyPrefix="teams": names objects that TFSTATE_CROSS_ACCOUNT_PRINCIPALS are granted, so with them it may come only from the environment (the file may come from a pull request); set TFSTATE_ENV_KEY_PREFIX',
      'tfstate.config.json: kopsPrefix="legacy": names objects that TFSTATE_CROSS_ACCOUNT_PRINCIPALS are granted, so with them it may come only from the environment (the file may come from a pull request); set TFSTATE_KOPS_PREFIX',
    ]);
    // Readers get no kOps store.
    expect(
      problemsOf(
        { TFSTATE_CROSS_ACCOUNT_READERS: '111122223333' },
        dirWithConfig({ stateKey: 'network/terraform.tfstate', kopsPrefix: 'legacy' }),
      ),
    ).toEqual([
      'tfstate.config.json: stateKey="network/terraform.tfstate": names objects that TFSTATE_CROSS_ACCOUNT_READERS are granted, so with them it may come only from the environment (the file may come from a pull request); set TFSTATE_KEY',
    ]);
    expect(
      configFrom(
        { TFSTATE_CROSS_ACCOUNT_PRINCIPALS: '111122223333', TFSTATE_KEY: 'network/terraform.tfstate' },
        dirWithConfig({ environmentKeyPrefix: 'teams' }),
      ).stateKey,
    ).toBe('network/terraform.tfstate');
    expect(configFrom({}, file).kopsPrefix).toBe('legacy');
  });
  // A file key holding "\u001b[1A\u001b[2K" erased the line above in a terminal, and one holding "\n::warning::" started a
  // line of its own, which GitHub Actions reads as a workflow command: every name and value from the file is escaped.
  test('controls, separators and bidi overrides from the file are escaped in every message, which stays one line per problem', () => {
    const problems = problemsOf(
      {},
      dirWithConfig({
        '\u001b[1A\u001b[2Kok\n::warning::spoofed': 1,
        bucket: 'x\u009b2J\u202e',
        tags: { 'team\u001b[2K\r::add-mask::x': 'v' },
      }),
    );
    // The list of known keys is written out in load-edges.test.ts; here the name before it is what counts.
    expect(problems).toEqual([
      expect.stringMatching(
        /^tfstate\.config\.json: "\\u001b\[1A\\u001b\[2Kok\\n::warning::spoofed": unknown setting \(known: bucket, .*, tags\)$/,
      ),
      'tfstate.config.json: bucket="x\\u009b2J\\u202e": may contain only lowercase letters, digits, dots (.) and hyphens (-)',
      'tfstate.config.json: tags={"team\\u001b[2K\\r::add-mask::x":"v"}: tag keys may contain only letters, digits, spaces and _ . : / = + - @ ("team\\u001b[2K\\r::add-mask::x")',
    ]);
    expect(problems.join('\n')).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/);
  });
  // Access logs kept one day are access logging turned off a day later, which the file alone may not do either.
  test('access logs kept under 30 days need the risk accepted from the environment', () => {
    expect(problemsOf({}, dirWithConfig({ accessLogDays: 1 }))).toEqual([
      "tfstate.config.json: accessLogDays=1: keeps the state bucket's access logs less than 30 days; set TFSTATE_ACCEPT_RISKS=short-retention to accept that",
    ]);
    expect(
      configFrom({ TFSTATE_ACCEPT_RISKS: 'short-retention' }, dirWithConfig({ accessLogDays: 1 })).accessLogDays,
    ).toBe(1);
    expect(
      configFrom(
        { TFSTATE_ACCEPT_RISKS: 'no-access-logging' },
        dirWithConfig({ accessLogDays: 1, accessLogging: false }),
      ).logBucket,
    ).toBeUndefined();
  });
  test('a refused acceptRisks accepts nothing: the weakening it was for is refused as well', () => {
    expect(problemsOf({}, dirWithConfig({ acceptRisks: ['no-access-logging'], accessLogging: false }))[1]).toBe(
      'tfstate.config.json: accessLogging=false: turns off access logging of the state bucket; set TFSTATE_ACCEPT_RISKS=no-access-logging to accept that',
    );
  });
  test.each([
    'http://localhost.attacker.example',
    'http://127.0.0.1.nip.io:5000',
    'http://xlocalhost/',
    'http://[::2]:5000',
    'not a url',
  ])('%s from the file is refused', (endpoint) => {
    expect(problemsOf({}, dirWithConfig({ endpoint }))).toEqual([
      `tfstate.config.json: endpoint=${JSON.stringify(endpoint)}${ENDPOINT_REFUSED}`,
    ]);
  });
  test('a loopback endpoint from the file still keeps the endpoint rule', () => {
    expect(problemsOf({}, dirWithConfig({ endpoint: 'ftp://localhost:21' }))).toEqual([
      'tfstate.config.json: endpoint="ftp://localhost:21": must use http:// or https://',
    ]);
  });
  test('the same values from the environment load', () => {
    expect(configFrom({ AWS_ENDPOINT_URL: 'http://203.0.113.9:4566' }).endpoint).toBe('http://203.0.113.9:4566');
    expect(configFrom({ AWS_ENDPOINT_URL: 'https://s3.attacker.example' }).endpoint).toBe(
      'https://s3.attacker.example',
    );
    expect(configFrom({ TFSTATE_ALLOW_DESTROY: 'true' }).allowDestroy).toBe(true);
    expect(
      configFrom({
        TFSTATE_CROSS_ACCOUNT_PRINCIPALS: '111122223333',
        TFSTATE_CROSS_ACCOUNT_READERS: 'arn:aws:iam::111122223333:role/ci',
      }),
    ).toMatchObject({
      crossAccountPrincipals: ['111122223333'],
      crossAccountReaders: ['arn:aws:iam::111122223333:role/ci'],
    });
    expect(
      configFrom({ TFSTATE_ACCEPT_RISKS: 'no-access-logging' }, dirWithConfig({ accessLogging: false })),
    ).toMatchObject({ acceptedRisks: ['no-access-logging'], logBucket: undefined });
  });
  test.each([
    'http://localhost:4566',
    'http://127.0.0.1:5000',
    'https://127.18.229.10',
    'http://[::1]:5000',
    'http://127.1:5000',
  ])('a loopback endpoint %s may come from the file', (endpoint) => {
    expect(configFrom({}, dirWithConfig({ endpoint })).origins.endpoint).toBe('tfstate.config.json: endpoint');
  });
  test.each([
    ['http://0x7f.0.0.1:5000', 'http://127.0.0.1:5000'],
    ['http://2130706433:5000/', 'http://127.0.0.1:5000'],
    ['http://127.1:5000', 'http://127.0.0.1:5000'],
    ['http://127.0.0.1.:5000', 'http://127.0.0.1:5000'],
    ['http://[0:0::1]:5000', 'http://[::1]:5000'],
    ['http://\uff11\uff12\uff17.\uff10.\uff10.\uff11:5000', 'http://127.0.0.1:5000'],
    ['http://127.0.0.1:5000\\@attacker.example', 'http://127.0.0.1:5000/@attacker.example'],
  ])(
    'a loopback endpoint %s from the file is synthesized as the URL the check read, %s (Terraform would look the text up in DNS)',
    (endpoint, synthesized) => {
      expect(configFrom({}, dirWithConfig({ endpoint })).endpoint).toBe(synthesized);
    },
  );
  test('an endpoint from the environment wins over the file and names its variable', () => {
    expect(
      configFrom({ AWS_ENDPOINT_URL: 'http://127.0.0.1:1' }, dirWithConfig({ endpoint: 'http://localhost:2' })),
    ).toMatchObject({ endpoint: 'http://127.0.0.1:1', origins: { endpoint: 'AWS_ENDPOINT_URL' } });
  });
});

test('cdktf synth (main.ts) with a hostile file: exit 1, the one line, nothing synthesized', () => {
  const root = join(__dirname, '..');
  const outdir = mkdtempSync(join(tmpdir(), 'tfstate-out-'));
  const config = join(dirWithConfig({ allowDestroy: true }), 'tfstate.config.json');
  const app = (JSON.parse(readFileSync(join(root, 'cdktf.json'), 'utf8')) as { app: string }).app;
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, CDKTF_OUTDIR: outdir, TFSTATE_CONFIG: config };
  const result = spawnSync(app, { shell: true, cwd: root, env, encoding: 'utf8', timeout: 60_000 });
  expect(result.status).toBe(1);
  expect(result.stderr.trim().split('\n')).toEqual([
    `tfstate config error: ${config}: allowDestroy: may come only from the environment of whoever runs the command (it lifts prevent_destroy and deletion protection); the file may come from a pull request. Nothing uses it from here; the teardown sets TFSTATE_ALLOW_DESTROY itself`,
  ]);
  expect(existsSync(join(outdir, 'stacks'))).toBe(false);
});
