// config/naming.ts: the names and patterns policies, locks and logs are built from, written out.
import {
  accessLogPrefix,
  BOOTSTRAP_LOCAL_STATE,
  deeperThanGranted,
  digestLockId,
  iamPatternMatches,
  lockfileKey,
  lockItemId,
  projectStateKeyPatterns,
} from '../config/naming';

test('projectStateKeyPatterns: the app key, plus one pattern for every environment of the prefix, listed or not', () => {
  expect(projectStateKeyPatterns({ stateKey: 'app/terraform.tfstate', environmentKeyPrefix: 'env' })).toEqual([
    'app/terraform.tfstate',
    'env/*/terraform.tfstate',
  ]);
  expect(projectStateKeyPatterns({ stateKey: 'team/app.tfstate', environmentKeyPrefix: 'stages' })).toEqual([
    'team/app.tfstate',
    'stages/*/terraform.tfstate',
  ]);
});

test('deeperThanGranted: one more segment in place of each "*" segment, nothing for a pattern without one', () => {
  expect(
    deeperThanGranted(['app/terraform.tfstate', 'env:/*/app/terraform.tfstate', 'env:/*/env/*/terraform.tfstate']),
  ).toEqual(['env:/*/*/app/terraform.tfstate', 'env:/*/*/env/*/terraform.tfstate', 'env:/*/env/*/*/terraform.tfstate']);
});

test.each([
  ['env/*/terraform.tfstate', 'env/dev/terraform.tfstate', true],
  ['env/*/terraform.tfstate', 'env/a/b/terraform.tfstate', true],
  ['env/?/x', 'env/d/x', true],
  ['env/?/x', 'env/dd/x', false],
  // Every other character is literal, regular-expression characters included.
  ['a.b', 'axb', false],
  ['a.b', 'a.b', true],
  ['a+(b)|c', 'a+(b)|c', true],
  ['a+(b)|c', 'aab', false],
  ['app/terraform.tfstate', 'app/terraform.tfstate.tflock', false],
])('iamPatternMatches(%s, %s) is %s', (pattern, value, matches) => {
  expect(iamPatternMatches(pattern, value)).toBe(matches);
});

test("Terraform's lock and digest names, the local bootstrap state and the access log prefix", () => {
  expect(lockItemId('tfstate-b', 'app/terraform.tfstate')).toBe('tfstate-b/app/terraform.tfstate');
  expect(digestLockId('tfstate-b', 'app/terraform.tfstate')).toBe('tfstate-b/app/terraform.tfstate-md5');
  expect(lockfileKey('app/terraform.tfstate')).toBe('app/terraform.tfstate.tflock');
  expect(BOOTSTRAP_LOCAL_STATE).toBe('terraform.bootstrap.tfstate');
  expect(accessLogPrefix('tfstate-b')).toBe('s3-access/tfstate-b/');
});
