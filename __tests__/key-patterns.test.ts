// iam/key-patterns.ts: the keys a grant pattern reaches, and the deeper keys the policies deny, written out.
import { deeperThanGranted, iamPatternMatches } from '../iam/key-patterns';

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
