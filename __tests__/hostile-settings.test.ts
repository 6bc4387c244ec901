// Settings from a pull request are hostile input: none may become Terraform code, an IAM wildcard, or a
// folder grant over another stack's state; each is refused in one line that names the setting.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duplicateKey } from '../config/load';
import { SETTINGS, type Setting } from '../config/settings';
import { MAX_PROBLEMS_SHOWN } from '../errors';
import { configFrom, dirWithConfig, problemsOf, synthAll } from './helpers';

const TEMPLATE_RULE =
  'must not contain "${" or "%{" (Terraform would evaluate it as an expression in the synthesized configuration)';

/** Settings that are read only when another one is set: the companion makes the hostile value count. */
const COMPANIONS: Record<string, Record<string, string>> = {
  TFSTATE_REPLICA_BUCKET: { TFSTATE_REPLICA_REGION: 'us-west-2' },
};

const ALL = Object.values(SETTINGS) as Setting<unknown>[];

describe('"${" and "%{" in any setting are refused, from the environment and from the file', () => {
  const templates = [
    'x${file("/etc/hostname")}',
    'kops/%{ if true }y%{ endif }',
    'http://127.0.0.1:1/${trimspace(file("~/.aws/credentials"))}',
  ];
  test.each(ALL.flatMap((spec) => templates.map((value) => [spec.env, value] as const)))('%s=%s', (name, value) => {
    expect(problemsOf({ ...COMPANIONS[name], [name]: value })).toEqual([
      `${name}=${JSON.stringify(value)}: ${TEMPLATE_RULE}`,
    ]);
  });
  // The file may not hold the others at all (see the trust tests).
  test.each(ALL.filter((spec) => !spec.onlyFrom).map((spec) => spec.file))('file key %s', (key) => {
    const companions = Object.fromEntries(Object.entries(COMPANIONS[ALL.find((s) => s.file === key)!.env] ?? {}));
    const value = 'a${path.cwd}';
    expect(problemsOf(companions, dirWithConfig({ [key]: value }))).toEqual([
      `tfstate.config.json: ${key}=${JSON.stringify(value)}: ${TEMPLATE_RULE}`,
    ]);
  });
  test('a list item carrying a template is refused too', () => {
    expect(problemsOf({}, dirWithConfig({ environments: ['dev', 'p${1}'] }))).toEqual([
      `tfstate.config.json: environments=["dev","p\${1}"]: ${TEMPLATE_RULE}`,
    ]);
  });
});

describe('"*" and "?" never reach an IAM resource or condition', () => {
  // The endpoint is the one setting that takes them (a URL path may), and it never reaches a policy.
  const iamReaching = ALL.filter((spec) => spec.env !== 'AWS_ENDPOINT_URL');
  test.each(iamReaching.flatMap((spec) => ['*', '?', 'a*b', 'a?/b'].map((value) => [spec.env, value] as const)))(
    '%s=%s is refused in one line',
    (name, value) => {
      const problems = problemsOf({ ...COMPANIONS[name], [name]: value });
      expect(problems).toHaveLength(1);
      expect(problems[0].startsWith(`${name}=`)).toBe(true);
    },
  );
  test.each(['TFSTATE_KEY', 'TFSTATE_BOOTSTRAP_KEY', 'TFSTATE_KOPS_PREFIX', 'TFSTATE_ENV_KEY_PREFIX'])(
    '%s names the wildcard rule',
    (name) => {
      expect(problemsOf({ [name]: 'team/*' })).toEqual([
        `${name}="team/*": must not contain "*" or "?" (IAM wildcards: a policy for this key would cover other keys)`,
      ]);
    },
  );
  test('an endpoint with "*" and "?" is accepted but appears in no policy document', () => {
    const endpoint = 'http://127.0.0.1:4566/*?';
    const bootstrap = synthAll({ AWS_ENDPOINT_URL: endpoint, TFSTATE_CROSS_ACCOUNT_PRINCIPALS: '111122223333' })
      .bootstrap.json;
    const policies = ['aws_iam_policy', 'aws_s3_bucket_policy', 'aws_kms_key', 'aws_dynamodb_resource_policy'].flatMap(
      (type) => Object.values(bootstrap.resource[type] ?? {}),
    );
    expect(policies.length).toBeGreaterThanOrEqual(5);
    for (const resource of policies) expect(JSON.stringify(resource)).not.toContain('4566');
  });
});

describe("prefixes cannot reach another consumer's keys", () => {
  test.each([
    [
      { TFSTATE_KOPS_PREFIX: 'app' },
      'TFSTATE_KEY="app/terraform.tfstate": lies in folder "app" (TFSTATE_KOPS_PREFIX), the kOps state store (kOps users may read and delete everything in it); choose a key outside it',
    ],
    [
      { TFSTATE_KOPS_PREFIX: 'app/terraform.tfstate' },
      'TFSTATE_KEY="app/terraform.tfstate": lies in folder "app/terraform.tfstate" (TFSTATE_KOPS_PREFIX), the kOps state store (kOps users may read and delete everything in it); choose a key outside it',
    ],
    [
      { TFSTATE_KOPS_PREFIX: 'bootstrap' },
      'TFSTATE_BOOTSTRAP_KEY="bootstrap/terraform.tfstate": lies in folder "bootstrap" (TFSTATE_KOPS_PREFIX), the kOps state store (kOps users may read and delete everything in it); choose a key outside it',
    ],
    [
      { TFSTATE_KEY: 'kops/app.tfstate' },
      'TFSTATE_KEY="kops/app.tfstate": lies in folder "kops" (TFSTATE_KOPS_PREFIX), the kOps state store (kOps users may read and delete everything in it); choose a key outside it',
    ],
    [
      { TFSTATE_BOOTSTRAP_KEY: 'env/bootstrap.tfstate' },
      'TFSTATE_BOOTSTRAP_KEY="env/bootstrap.tfstate": lies in folder "env" (TFSTATE_ENV_KEY_PREFIX), the environments\' state keys; choose a key outside it',
    ],
    [
      { TFSTATE_KOPS_PREFIX: 'env' },
      'TFSTATE_KOPS_PREFIX="env": overlaps TFSTATE_ENV_KEY_PREFIX="env"; the kOps state store and the environments\' keys need separate folders',
    ],
    [
      { TFSTATE_ENV_KEY_PREFIX: 'kops/envs' },
      'TFSTATE_KOPS_PREFIX="kops": overlaps TFSTATE_ENV_KEY_PREFIX="kops/envs"; the kOps state store and the environments\' keys need separate folders',
    ],
    [
      { TFSTATE_KEY: 'env:/dev/app/terraform.tfstate' },
      'TFSTATE_KEY="env:/dev/app/terraform.tfstate": must not start with "env:/" (where Terraform keeps the workspaces of other keys)',
    ],
  ])('%j', (env, message) => {
    expect(problemsOf(env)).toEqual([message]);
  });
  test('two keys that are the same and both in the kOps folder: each reported once, as misplaced, not also as shared', () => {
    expect(problemsOf({ TFSTATE_KEY: 'kops/x.tfstate', TFSTATE_BOOTSTRAP_KEY: 'kops/x.tfstate' })).toEqual([
      'TFSTATE_KEY="kops/x.tfstate": lies in folder "kops" (TFSTATE_KOPS_PREFIX), the kOps state store (kOps users may read and delete everything in it); choose a key outside it',
      'TFSTATE_BOOTSTRAP_KEY="kops/x.tfstate": lies in folder "kops" (TFSTATE_KOPS_PREFIX), the kOps state store (kOps users may read and delete everything in it); choose a key outside it',
    ]);
  });
  test('a folder is a whole path segment: kOps prefix "ap" does not reach "app/terraform.tfstate"', () => {
    expect(configFrom({ TFSTATE_KOPS_PREFIX: 'ap' }).kopsPrefix).toBe('ap');
  });
});

describe('huge and malformed input gives short, bounded output', () => {
  test('a 100 000-character value is cut short in the message', () => {
    const problems = problemsOf({ TFSTATE_BUCKET: 'B'.repeat(100_000) });
    expect(problems).toEqual([
      `TFSTATE_BUCKET="${'B'.repeat(99)}... (100002 characters): must be 3 to 63 characters long (has 100000)`,
    ]);
  });
  test('thousands of unknown keys: five named, the rest counted', () => {
    const keys = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, 1]));
    const problems = problemsOf({}, dirWithConfig(keys));
    expect(problems).toHaveLength(6);
    expect(problems[5]).toBe('tfstate.config.json: 4995 more unknown settings');
  });
  test(`more than ${MAX_PROBLEMS_SHOWN} problems: the first ${MAX_PROBLEMS_SHOWN}, then a count`, () => {
    const env = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`TFSTATE_UNKNOWN_${i}`, 'x']));
    const file = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`unknown${i}`, 'x']));
    const problems = problemsOf(
      {
        ...env,
        TFSTATE_BUCKET: 'A',
        TFSTATE_LOCK_TABLE: '!',
        TFSTATE_REGION: 'x',
        TFSTATE_KEY: '/',
        TFSTATE_KMS_ALIAS: 'k',
        TFSTATE_LOCKING: 'x',
        TFSTATE_ALLOW_DESTROY: 'x',
        TFSTATE_NONCURRENT_DAYS: '0',
        TFSTATE_ACCESS_LOG_DAYS: '0',
        TFSTATE_ENVIRONMENTS: 'A,B',
        TFSTATE_ACCEPT_RISKS: 'x',
        TFSTATE_BOOTSTRAP_BACKEND: 'x',
        TFSTATE_BOOTSTRAP_KEY: '/',
        TFSTATE_KOPS_PREFIX: '/',
      },
      dirWithConfig(file),
    );
    expect(problems).toHaveLength(MAX_PROBLEMS_SHOWN + 1);
    expect(problems[MAX_PROBLEMS_SHOWN]).toMatch(/^\d+ more problems not shown$/);
  });
  test('invalid UTF-8 is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfstate-utf8-'));
    writeFileSync(join(dir, 'tfstate.config.json'), Buffer.from([0x7b, 0x22, 0x62, 0xff, 0x22, 0x3a, 0x31, 0x7d]));
    expect(problemsOf({}, dir)).toEqual(['tfstate.config.json: is not valid UTF-8']);
  });
  test('a file that cannot be read is one line naming the reason', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tfstate-unreadable-')), 'plain');
    writeFileSync(file, '{}');
    expect(problemsOf({ TFSTATE_CONFIG: `${file}/tfstate.config.json` })).toEqual([
      `${file}/tfstate.config.json: cannot be read (ENOTDIR)`,
    ]);
  });
  test('a directory says so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfstate-dir-'));
    mkdirSync(join(dir, 'tfstate.config.json'));
    expect(problemsOf({}, dir)).toEqual(['tfstate.config.json: is a directory; the settings file must be a JSON file']);
  });
  // A reader of the file (a pull request's reviewer) sees the first; JSON.parse keeps the last.
  test.each([
    ['{"bucket": "team-state", "region": "us-east-1", "bu\\u0063ket": "other-state"}', 'bucket'],
    ['{"tags": {"team": "platform", "team": "other"}}', 'team'],
  ])('a key twice in one object is refused: %s', (text, key) => {
    expect(problemsOf({}, dirWithConfig(text))).toEqual([
      `tfstate.config.json: the key "${key}" appears twice in one object; JSON.parse would silently keep the last one, so a reader of the file could believe the other`,
    ]);
  });
  test('the same key in different objects, or inside a string, is no duplicate', () => {
    const config = configFrom({}, dirWithConfig('{"bucket": "team-state", "tags": {"bucket": "a"}}'));
    expect(config.bucket).toBe('team-state');
    expect(config.tags).toEqual({ bucket: 'a' });
    expect(duplicateKey('{"a": "\\"a\\": 1, \\\\", "b": [{"a": 2}, {"a": 3}]}')).toBeUndefined();
  });
});

describe('characters Terraform would treat specially next to "{" are accepted and stay literal, as Terraform itself reads them', () => {
  // "$" and "%" alone, doubled, or before any other character than "{" are not template sequences.
  const key = 'odd$/50%/{x}/$$a%%b/terraform.tfstate';
  const kops = 'kops$/%x/{y}';
  test('terraform console reads the synthesized backend key and kOps store output back unchanged', () => {
    const stacks = synthAll({ TFSTATE_KEY: key, TFSTATE_KOPS_PREFIX: kops });
    const backendKey = stacks.app.json.terraform.backend.s3.key;
    const store = stacks.bootstrap.json.output.kops_state_store.value;
    const dir = mkdtempSync(join(tmpdir(), 'tfstate-console-'));
    try {
      // The very strings of cdk.tf.json, as a Terraform JSON configuration evaluates them.
      writeFileSync(join(dir, 'main.tf.json'), JSON.stringify({ locals: { key: backendKey, store } }));
      writeFileSync(join(dir, 'cli.tfrc'), '');
      const console = (expression: string) =>
        spawnSync('terraform', ['console'], {
          cwd: dir,
          input: `${expression}\n`,
          encoding: 'utf8',
          env: { ...process.env, TF_CLI_CONFIG_FILE: join(dir, 'cli.tfrc'), CHECKPOINT_DISABLE: '1' },
        });
      const keyResult = console('local.key');
      expect(keyResult.status).toBe(0);
      expect(keyResult.stdout.trim()).toBe(`"${key}"`);
      expect(console('local.store').stdout.trim()).toBe(`"s3://tfstate-0a1b2c3d4e5f-us-east-1/${kops}"`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
