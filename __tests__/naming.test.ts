// config/naming.ts: the names and patterns policies, locks and logs are built from, written out.
import {
  accessLogPrefix,
  BOOTSTRAP_LOCAL_STATE,
  digestLockId,
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

test("Terraform's lock and digest names, the local bootstrap state and the access log prefix", () => {
  expect(lockItemId('tfstate-b', 'app/terraform.tfstate')).toBe('tfstate-b/app/terraform.tfstate');
  expect(digestLockId('tfstate-b', 'app/terraform.tfstate')).toBe('tfstate-b/app/terraform.tfstate-md5');
  expect(lockfileKey('app/terraform.tfstate')).toBe('app/terraform.tfstate.tflock');
  expect(BOOTSTRAP_LOCAL_STATE).toBe('terraform.bootstrap.tfstate');
  expect(accessLogPrefix('tfstate-b')).toBe('s3-access/tfstate-b/');
});
