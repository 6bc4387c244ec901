import { md5Hex } from '../ops/lock-table';
import { describeLock, parseLockInfo } from '../ops/locks';
import { StateOperationError } from '../ops/operation';
import { restoredStateText } from '../ops/restore';
import { TERRAFORM_LOCK as TERRAFORM_LOCK_INFO } from './fake-aws';

const TERRAFORM_LOCK = JSON.stringify(TERRAFORM_LOCK_INFO);

describe('lock info', () => {
  test('reads the record Terraform writes', () => {
    expect(parseLockInfo(TERRAFORM_LOCK)).toMatchObject({
      ID: '7f0c7c37-5b2e-2d6c-0a50-3c6fbd1e4a7e',
      Who: 'ci@runner-1',
      Operation: 'OperationTypeApply',
    });
  });
  test('a lock record that is not JSON still reads as held, with its text shown short', () => {
    const info = parseLockInfo(`held by hand ${'x'.repeat(500)}`);
    expect(info).toMatchObject({
      ID: '(unknown: the lock record is not JSON)',
      Info: `"held by hand ${'x'.repeat(67)}"`,
    });
    expect(describeLock({ source: 'dynamodb', info }, 'cdktf.out/stacks/app')).toContain(
      "the record is not Terraform's",
    );
    expect(describeLock({ source: 'dynamodb', info }, 'cdktf.out/stacks/app')).not.toContain('force-unlock -force');
  });
  test('missing fields read as empty, never undefined', () => {
    expect(parseLockInfo('{"ID":"x"}')).toEqual({
      ID: 'x',
      Operation: '',
      Info: '',
      Who: '',
      Version: '',
      Created: '',
      Path: '',
    });
    // JSON that is not an object: held, with nothing to say about it.
    for (const text of ['null', '7', '"x"', '[1]'])
      expect(parseLockInfo(text)).toEqual({
        ID: '',
        Operation: '',
        Info: '',
        Who: '',
        Version: '',
        Created: '',
        Path: '',
      });
  });
  test('the description names the holder and the force-unlock command for that ID', () => {
    const text = describeLock({ source: 'dynamodb', info: parseLockInfo(TERRAFORM_LOCK) }, 'cdktf.out/stacks/app');
    expect(text).toContain('Who=ci@runner-1');
    expect(text).toContain('lock table item');
    expect(text).toContain(
      '(cd cdktf.out/stacks/app && terraform force-unlock -force 7f0c7c37-5b2e-2d6c-0a50-3c6fbd1e4a7e)',
    );
  });
  test('a lock record written to rewrite the terminal is printed escaped', () => {
    const info = parseLockInfo(
      JSON.stringify({
        ID: 'i',
        Who: 'mallory\u001b[2K\r',
        Operation: 'OperationTypeApply',
        Path: 'b/app\u009b1A',
        Created: '',
      }),
    );
    expect(describeLock({ source: 's3', info }, 'cdktf.out/stacks/app').split('\n')[0]).toBe(
      'locked (S3 lockfile): ID=i Who=mallory\\x1b[2K\\x0d Operation=OperationTypeApply Created= Path=b/app\\x9b1A',
    );
  });
});

describe('restored state', () => {
  const old = JSON.stringify({ version: 4, serial: 3, lineage: 'L1', resources: [{ name: 'old' }] });
  const current = JSON.stringify({ version: 4, serial: 7, lineage: 'L1', resources: [] });

  test('keeps the old resources and lineage under a serial above the current one', () => {
    const { text, replaced } = restoredStateText(old, current);
    expect(JSON.parse(text)).toEqual({ version: 4, serial: 8, lineage: 'L1', resources: [{ name: 'old' }] });
    expect(replaced).toBe('same-lineage');
  });
  test('a version with no serial (written by hand) restores as serial 1', () => {
    expect(restoredStateText('{"lineage": "L1"}', undefined)).toEqual({
      text: '{\n  "lineage": "L1",\n  "serial": 1\n}\n',
      replaced: 'none',
    });
  });
  test('with no current state the serial still moves forward', () => {
    expect(JSON.parse(restoredStateText(old, undefined).text).serial).toBe(4);
  });
  test("the serial goes above every serial of the key's history, not only the current one's", () => {
    expect(JSON.parse(restoredStateText(old, undefined, false, [3, 12, 7]).text).serial).toBe(13);
    expect(JSON.parse(restoredStateText(old, current, false, [2]).text).serial).toBe(8);
  });
  test('refuses a version of another state unless the lineage change is forced', () => {
    const foreign = JSON.stringify({ serial: 11, lineage: 'L2' });
    expect(() => restoredStateText(old, foreign)).toThrow(
      'the version has lineage L1, the current state L2: the current one belongs to another state (overwritten by another project?); add --force-lineage to restore this version over it anyway (the current one stays in the history)',
    );
    const forced = restoredStateText(old, foreign, true);
    expect(forced.replaced).toBe('foreign');
    expect(JSON.parse(forced.text)).toEqual({ version: 4, serial: 12, lineage: 'L1', resources: [{ name: 'old' }] });
  });
  test.each([
    ['not JSON', '{"version": 4, "ser'],
    ['empty', ''],
    ['JSON but no state', '[1,2]'],
    ['a state with a serial that is no number', '{"lineage": "L1", "serial": "7"}'],
    ['JSON with no lineage', '{"serial": 7}'],
  ])('a current version that is %s is replaced', (_, corrupt) => {
    const { text, replaced } = restoredStateText(old, corrupt);
    expect(replaced).toBe('corrupt');
    expect(JSON.parse(text)).toEqual({ version: 4, serial: 4, lineage: 'L1', resources: [{ name: 'old' }] });
  });
  test('a chosen version that is not a state is refused in one line', () => {
    expect(() => restoredStateText('garbage', current)).toThrow(StateOperationError);
    expect(() => restoredStateText('garbage', current)).toThrow(
      'the chosen version is not a Terraform state (not JSON with a lineage): pick another one (see the versions command)',
    );
  });
  test('digest is the hex MD5 Terraform stores in the -md5 item', () => {
    expect(md5Hex('{}')).toBe('99914b932bd37a50b983c5e7c90ae93b');
  });
});
