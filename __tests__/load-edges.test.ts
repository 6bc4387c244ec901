// config/load.ts at its edges: the settings file's shape and duplicate keys, unknown names, cdktf.json's
// projectId, and the deny patterns beside the environments' keys. Every expected line is written out.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duplicateKey, loadConfig } from '../config/load';
import type { ConfigError } from '../errors';
import { dirWithConfig, problemsOf } from './helpers';

describe('duplicateKey', () => {
  test.each([
    ['{"a":1,"b":2}', undefined],
    ['{"a":1,"b":[{"a":2}],"a":3}', 'a'],
    ['{"a":[1],"a":2}', 'a'],
    ['{"x":{"a":1},"a":2}', undefined],
    ['{"l":[1],"x":1,"x":2}', 'x'],
    ['{"l":[{"k":1},{"k":2}]}', undefined],
    ['{"a\\"b":1,"a\\"b":2}', 'a"b'],
    ['{"a" :1,"a"\n\t\r :2}', 'a'],
    ['{"bu\\u0063ket":"a","bucket":"b"}', 'bucket'],
    ['{"v":"a","w":"a"}', undefined],
  ])('%s -> %s', (text, key) => {
    expect(duplicateKey(text)).toBe(key);
  });
});

describe('the settings file', () => {
  test.each(['[]', 'null', '5', '"bucket"'])('%s is no object of settings', (text) => {
    expect(problemsOf({}, dirWithConfig(text))).toEqual(['tfstate.config.json: must hold a JSON object of settings']);
  });
  test('a null inside a setting is a value of the wrong type', () => {
    expect(problemsOf({}, dirWithConfig({ tags: { team: null } }))).toEqual([
      'tfstate.config.json: tags={"team":null}: tag values must be strings (the value of "team")',
    ]);
  });
  test('a template in the key of a tag whose value is no string is still refused', () => {
    expect(problemsOf({}, dirWithConfig({ tags: { 'a${b}': 5 } }))).toEqual([
      'tfstate.config.json: tags={"a${b}":5}: must not contain "${" or "%{" (Terraform would evaluate it as an expression in the synthesized configuration)',
    ]);
  });
});

describe('unknown names', () => {
  test('five are listed one by one, without a count', () => {
    const env = Object.fromEntries(['A', 'B', 'C', 'D', 'E'].map((name) => [`TFSTATE_${name}`, 'x']));
    const problems = problemsOf(env);
    expect(problems).toHaveLength(5);
    expect(problems.map((line) => line.split(':')[0])).toEqual([
      'TFSTATE_A',
      'TFSTATE_B',
      'TFSTATE_C',
      'TFSTATE_D',
      'TFSTATE_E',
    ]);
  });
  test("an unknown key of the file names the file's known keys", () => {
    expect(problemsOf({}, dirWithConfig({ bukket: 'x' }))).toEqual([
      'tfstate.config.json: bukket: unknown setting (known: bucket, region, lockTable, stateKey, locking, endpoint, kmsAlias, noncurrentVersionDays, bootstrapBackend, bootstrapStateKey, allowDestroy, environments, environmentKeyPrefix, crossAccountPrincipals, crossAccountReaders, accountId, kopsPrefix, accessLogging, logBucket, accessLogDays, replicaRegion, replicaBucket, acceptRisks, adopt, kmsKeyArn, tags)',
    ]);
  });
});

describe("cdktf.json's projectId", () => {
  const withProjectId = (projectId: unknown) => {
    const dir = mkdtempSync(join(tmpdir(), 'tfstate-cdktf-'));
    writeFileSync(join(dir, 'cdktf.json'), JSON.stringify({ projectId }));
    return dir;
  };
  const load = (dir: string) => {
    try {
      return loadConfig({ env: {}, cwd: dir }).bucket;
    } catch (error) {
      return (error as ConfigError).problems;
    }
  };
  const MISSING = [
    'cdktf.json: projectId is missing or not a UUID, so no default bucket name can be derived (set TFSTATE_BUCKET)',
  ];
  test('a UUID names the default bucket', () => {
    expect(load(withProjectId('0a1b2c3d-4e5f-4a7b-8c9d-0e1f2a3b4c5d'))).toBe('tfstate-0a1b2c3d4e5f-us-east-1');
  });
  test.each(['not-a-uuid', 'x0a1b2c3d4e5f', '0a1b2c3d4e5fx', 7])('%s is refused', (projectId) => {
    expect(load(withProjectId(projectId))).toEqual(MISSING);
  });
});

describe('deny patterns beside the environments', () => {
  const KEY = 'team/env/a/terraform.tfstate';
  test("a key that the environments' deeper deny reaches in a workspace is refused", () => {
    expect(problemsOf({ TFSTATE_ENVIRONMENTS: 'dev', TFSTATE_KEY: KEY })).toEqual([
      `TFSTATE_KEY="${KEY}": the policies deny env:/*/*/env/*/terraform.tfstate* (keys deeper than a workspace or environment pattern, since IAM's * also matches "/"), which reaches env:/w/${KEY}, a key of this project; pick a key in a folder of its own outside env/`,
    ]);
  });
  test('without environments the grant and its deny are there all the same (a later environment needs no bootstrap redeploy)', () => {
    expect(problemsOf({ TFSTATE_KEY: KEY })).toEqual([
      `TFSTATE_KEY="${KEY}": the policies deny env:/*/*/env/*/terraform.tfstate* (keys deeper than a workspace or environment pattern, since IAM's * also matches "/"), which reaches env:/w/${KEY}, a key of this project; pick a key in a folder of its own outside env/`,
    ]);
  });
  test('a root key is refused without environments: its deny would reach the workspaces of any environment added later', () => {
    expect(problemsOf({ TFSTATE_KEY: 'terraform.tfstate' })).toEqual([
      'TFSTATE_KEY="terraform.tfstate": the policies deny env:/*/*/terraform.tfstate* (keys deeper than a workspace or environment pattern, since IAM\'s * also matches "/"), which reaches env:/w/env/w/terraform.tfstate, a key of this project; pick a key in a folder of its own outside env/',
    ]);
  });
  test('an invalid environment is the one problem: nothing derived from the list is checked', () => {
    expect(problemsOf({ TFSTATE_ENVIRONMENTS: 'dev,Bad_', TFSTATE_KEY: KEY })).toEqual([
      'TFSTATE_ENVIRONMENTS="dev,Bad_": each environment must be 1 to 32 lowercase letters, digits or hyphens, starting with a letter ("Bad_")',
    ]);
  });
});

test('a null setting in the file is refused by its parser, not by the template check', () => {
  expect(problemsOf({}, dirWithConfig({ bucket: null }))).toEqual([
    'tfstate.config.json: bucket=null: must be a string',
  ]);
});
