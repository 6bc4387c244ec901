import { join } from 'path';
import { firstError, lockHeld, missingBucket, reportsNoChanges } from '../scripts/lib/diagnose';
import { cdktfArgs, stripAnsi } from '../scripts/lib/run';
import { explainFailure, withoutSettings } from '../scripts/lib/stacks';
import { AWS_PROVIDER_PATH, findProviderMirror, mirrorCandidates, renderCliConfig } from '../scripts/lib/terraform-config';
import { teardownRefusal } from '../scripts/teardown';
import { configFrom } from './helpers';

const LOCK_ERROR = `
│ Error: Error acquiring the state lock
│
│ Error message: operation error DynamoDB: PutItem, https response error StatusCode: 400, ConditionalCheckFailedException
│ Lock Info:
│   ID:        6b1c2d3e-0000-4000-8000-00000000e2e0
│   Path:      tfstate-x/app/terraform.tfstate
│   Operation: OperationTypeApply
│   Who:       holder@e2e-test
│   Version:   1.11.4
│   Created:   2026-01-01 00:00:00 +0000 UTC
│   Info:
`;

describe('provider mirror discovery', () => {
  const tree = (...folders: string[]) => (path: string) => folders.some((folder) => path === join(folder, AWS_PROVIDER_PATH));

  test('takes the first candidate that holds the AWS provider', () => {
    expect(findProviderMirror({}, ['/a', '/b', '/c'], tree('/b', '/c'))).toEqual({ path: '/b', origin: 'discovered' });
  });
  test('none found: undefined (Terraform downloads the provider)', () => {
    expect(findProviderMirror({}, ['/a'], tree())).toBeUndefined();
  });
  test('TFSTATE_PROVIDER_MIRROR wins, and must hold the provider', () => {
    expect(findProviderMirror({ TFSTATE_PROVIDER_MIRROR: '/mine' }, ['/b'], tree('/mine', '/b'))).toEqual({ path: '/mine', origin: 'env' });
    expect(() => findProviderMirror({ TFSTATE_PROVIDER_MIRROR: '/empty' }, ['/b'], tree('/b'))).toThrow(/^TFSTATE_PROVIDER_MIRROR="\/empty": holds no registry.terraform.io\/hashicorp\/aws\/5.100.0/);
  });
  test('candidates: the documented folders, XDG_DATA_HOME honoured, never a hard-coded home', () => {
    expect(mirrorCandidates({ XDG_DATA_HOME: '/xdg' }, '/home/u')).toEqual([
      '/opt/tf-plugins',
      '/home/u/.terraform.d/plugins',
      '/xdg/terraform/plugins',
      '/usr/local/share/terraform/plugins',
      '/usr/share/terraform/plugins',
    ]);
    expect(mirrorCandidates({}, '/home/u')).toContain('/home/u/.local/share/terraform/plugins');
  });
  test('the CLI config installs hashicorp providers from the mirror only, everything else directly', () => {
    expect(renderCliConfig('/m "x"')).toBe(
      [
        'provider_installation {',
        '  filesystem_mirror {',
        '    path    = "/m \\"x\\""',
        '    include = ["registry.terraform.io/hashicorp/*"]',
        '  }',
        '  direct {',
        '    exclude = ["registry.terraform.io/hashicorp/*"]',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });
});

describe('reading terraform output', () => {
  test('a held lock yields the holder', () => {
    expect(lockHeld(LOCK_ERROR)).toEqual({
      id: '6b1c2d3e-0000-4000-8000-00000000e2e0',
      path: 'tfstate-x/app/terraform.tfstate',
      operation: 'OperationTypeApply',
      who: 'holder@e2e-test',
      created: '2026-01-01 00:00:00 +0000 UTC',
    });
    expect(lockHeld('Error: something else\n  ID: 1')).toBeUndefined();
  });
  test('a missing bucket is recognised in both forms Terraform prints', () => {
    expect(missingBucket('Error: Failed to get existing workspaces: S3 bucket "b-1" does not exist.', 'fallback')).toBe('b-1');
    expect(missingBucket('api error NoSuchBucket: The specified bucket does not exist', 'fallback')).toBe('fallback');
    expect(missingBucket('Error: AccessDenied', 'fallback')).toBeUndefined();
  });
  test('no changes, first error, ANSI colours', () => {
    expect(reportsNoChanges(stripAnsi('app  \u001b[32mNo changes.\u001b[0m Your infrastructure matches the configuration.'))).toBe(true);
    expect(reportsNoChanges('Plan: 1 to add, 0 to change, 0 to destroy.')).toBe(false);
    expect(firstError('x\n│ Error: Invalid provider configuration\n│ Error: second')).toBe('Invalid provider configuration');
  });
  test('failures become one line that says what to do', () => {
    const result = (output: string) => ({ code: 1, output, timedOut: false, seconds: 3 });
    expect(explainFailure('cdktf deploy app', result('S3 bucket "b" does not exist.'), 'b')).toMatch(/^cdktf deploy app: state bucket "b" does not exist: deploy the bootstrap stack first/);
    expect(explainFailure('cdktf deploy app', result(LOCK_ERROR), 'b')).toMatch(/locked by holder@e2e-test \(OperationTypeApply, lock ID 6b1c2d3e/);
    expect(explainFailure('cdktf deploy app', result('Error: Failed to query available provider packages'), 'b')).toMatch(/set TFSTATE_PROVIDER_MIRROR/);
    expect(explainFailure('x', { ...result(''), timedOut: true }, 'b')).toBe('x: timed out after 3 s');
    expect(explainFailure('x', result('Error: boom\nmore'), 'b')).toBe('x: failed (exit 1): boom');
  });
  test('an isolated run sees none of the caller\'s settings', () => {
    expect(withoutSettings({ PATH: '/bin', TFSTATE_BUCKET: 'b', TFSTATE_PROVIDER_MIRROR: '/m', AWS_ENDPOINT_URL: 'http://x', AWS_REGION: 'eu-west-1' })).toEqual({ PATH: '/bin', AWS_REGION: 'eu-west-1' });
  });
  test('cdktf runs never prompt and never lock providers', () => {
    expect(cdktfArgs('destroy', ['app', 'app-dev'])).toEqual(['destroy', 'app', 'app-dev', '--auto-approve', '--skip-provider-lock']);
  });
});

describe('teardown confirmation', () => {
  const config = configFrom({ TFSTATE_BUCKET: 'my-state' });
  test('refused without the flag or the bucket name', () => {
    expect(teardownRefusal(config, [], {})).toMatch(/^refusing to destroy state bucket "my-state".*--yes-destroy-state or set TFSTATE_CONFIRM_TEARDOWN=my-state$/);
  });
  test('refused when the confirmation names another bucket, even with the flag', () => {
    expect(teardownRefusal(config, ['--yes-destroy-state'], { TFSTATE_CONFIRM_TEARDOWN: 'other' })).toMatch(/does not name the configured state bucket "my-state"/);
  });
  test('accepted with either confirmation', () => {
    expect(teardownRefusal(config, ['--yes-destroy-state'], {})).toBeUndefined();
    expect(teardownRefusal(config, [], { TFSTATE_CONFIRM_TEARDOWN: 'my-state' })).toBeUndefined();
  });
  test('refused while bootstrap state lives in the bucket it would empty', () => {
    expect(teardownRefusal(configFrom({ TFSTATE_BUCKET: 'my-state', TFSTATE_BOOTSTRAP_BACKEND: 's3' }), ['--yes-destroy-state'], {})).toMatch(/move it back first/);
  });
});
