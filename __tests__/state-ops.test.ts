import { describeLock, md5Hex, parseLockInfo, restoredStateText, StateOperationError } from '../ops/state';

const TERRAFORM_LOCK = JSON.stringify({
  ID: '7f0c7c37-5b2e-2d6c-0a50-3c6fbd1e4a7e',
  Operation: 'OperationTypeApply',
  Info: '',
  Who: 'ci@runner-1',
  Version: '1.11.4',
  Created: '2026-11-22T07:00:00.000000Z',
  Path: 'bucket/app/terraform.tfstate',
});

describe('lock info', () => {
  test('reads the record Terraform writes', () => {
    expect(parseLockInfo(TERRAFORM_LOCK)).toMatchObject({ ID: '7f0c7c37-5b2e-2d6c-0a50-3c6fbd1e4a7e', Who: 'ci@runner-1', Operation: 'OperationTypeApply' });
  });
  test('missing fields read as empty, never undefined', () => {
    expect(parseLockInfo('{"ID":"x"}')).toEqual({ ID: 'x', Operation: '', Info: '', Who: '', Version: '', Created: '', Path: '' });
  });
  test('the description names the holder and the force-unlock command for that ID', () => {
    const text = describeLock({ source: 'dynamodb', info: parseLockInfo(TERRAFORM_LOCK) }, 'cdktf.out/stacks/app');
    expect(text).toContain('Who=ci@runner-1');
    expect(text).toContain('lock table item');
    expect(text).toContain('(cd cdktf.out/stacks/app && terraform force-unlock -force 7f0c7c37-5b2e-2d6c-0a50-3c6fbd1e4a7e)');
  });
});

describe('restored state', () => {
  const old = JSON.stringify({ version: 4, serial: 3, lineage: 'L1', resources: [{ name: 'old' }] });
  const current = JSON.stringify({ version: 4, serial: 7, lineage: 'L1', resources: [] });

  test('keeps the old resources and lineage under a serial above the current one', () => {
    const restored = JSON.parse(restoredStateText(old, current));
    expect(restored).toEqual({ version: 4, serial: 8, lineage: 'L1', resources: [{ name: 'old' }] });
  });
  test('with no current state the serial still moves forward', () => {
    expect(JSON.parse(restoredStateText(old, undefined)).serial).toBe(4);
  });
  test('refuses a version of another state', () => {
    expect(() => restoredStateText(old, JSON.stringify({ serial: 1, lineage: 'L2' }))).toThrow(StateOperationError);
  });
  test('digest is the hex MD5 Terraform stores in the -md5 item', () => {
    expect(md5Hex('{}')).toBe('99914b932bd37a50b983c5e7c90ae93b');
  });
});
