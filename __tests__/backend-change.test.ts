// scripts/lib/backend-change.ts: deploy's step before cdktf for a stack initialized with another state object
// (after `npm run state -- move`) and for a missing bucket, against the in-memory AWS of fake-aws.ts.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors';
import { movedStateStep, prepareBackends, recordedStateObject } from '../scripts/lib/backend-change';
import { FakeAws } from './fake-aws';
import { configFrom } from './helpers';

const BUCKET = 'tfstate-0a1b2c3d4e5f-us-east-1';
const OLD_KEY = 'app/terraform.tfstate';
const NEW_KEY = 'apps/main/terraform.tfstate';
const moved = configFrom({ TFSTATE_KEY: NEW_KEY });

/** A project folder whose app stack was initialized with `key`, as terraform init records it; returns the folder and the record. */
function initializedProject(key: string): { dir: string; record: string } {
  const dir = mkdtempSync(join(tmpdir(), 'backend-change-'));
  const terraformDir = join(dir, 'cdktf.out', 'stacks', 'app', '.terraform');
  mkdirSync(terraformDir, { recursive: true });
  const record = join(terraformDir, 'terraform.tfstate');
  writeFileSync(
    record,
    JSON.stringify({
      version: 3,
      terraform_version: '1.11.4',
      backend: { type: 's3', config: { bucket: BUCKET, key, region: 'us-east-1' }, hash: 1234 },
    }),
  );
  return { dir, record };
}

test("movedStateStep: a finished move reconfigures, a key changed without one is refused, the rest is Terraform's", () => {
  expect(movedStateStep(false, true)).toBe('reconfigure');
  expect(movedStateStep(true, false)).toBe('refuse');
  expect(movedStateStep(true, true)).toBe('terraform');
  expect(movedStateStep(false, false)).toBe('terraform');
});

test('recordedStateObject: the bucket and key terraform init recorded; nothing for a folder never initialized', () => {
  expect(recordedStateObject(join(initializedProject(OLD_KEY).dir, 'cdktf.out', 'stacks', 'app'))).toEqual({
    bucket: BUCKET,
    key: OLD_KEY,
  });
  expect(recordedStateObject(mkdtempSync(join(tmpdir(), 'backend-change-')))).toBeUndefined();
});

test('recordedStateObject: a record cut short (terraform init killed while writing it) is one line naming it', () => {
  const { dir, record } = initializedProject(OLD_KEY);
  writeFileSync(record, '{"version":3,"backend":{"type":"s3","con');
  expect(() => recordedStateObject(join(dir, 'cdktf.out', 'stacks', 'app'))).toThrow(
    new UserError(
      `${record} is not JSON (terraform init was interrupted while writing it?): delete it, the next deploy initializes the backend anew`,
    ),
  );
  writeFileSync(record, 'null');
  expect(recordedStateObject(join(dir, 'cdktf.out', 'stacks', 'app'))).toBeUndefined();
});

describe('prepareBackends', () => {
  test('after a state move (old key deleted, new key holding the state) the recorded backend is cleared', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, OLD_KEY, '{"serial":1}');
    fake.put(BUCKET, OLD_KEY, undefined);
    fake.put(BUCKET, NEW_KEY, '{"serial":1}');
    const { dir, record } = initializedProject(OLD_KEY);
    await prepareBackends(dir, moved, ['app'], [], fake.clients.s3);
    expect(existsSync(record)).toBe(false);
  });
  test('a key changed without a move is one line naming the move; the record stays', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, OLD_KEY, '{"serial":1}');
    const { dir, record } = initializedProject(OLD_KEY);
    await expect(prepareBackends(dir, moved, ['app'], [], fake.clients.s3)).rejects.toThrow(
      new UserError(
        `cdktf deploy app: its state is at s3://${BUCKET}/${OLD_KEY} and s3://${BUCKET}/${NEW_KEY}, which the config names now, holds none; move it first: npm run state -- move ${OLD_KEY} ${NEW_KEY} (or deploy with --migrate-state)`,
      ),
    );
    expect(existsSync(record)).toBe(true);
  });
  test('state at both keys, or the key unchanged: Terraform decides, the record stays', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, OLD_KEY, '{"serial":1}');
    fake.put(BUCKET, NEW_KEY, '{"serial":1}');
    const { dir, record } = initializedProject(OLD_KEY);
    await prepareBackends(dir, moved, ['app'], [], fake.clients.s3);
    await prepareBackends(dir, configFrom(), ['app'], [], fake.clients.s3);
    expect(existsSync(record)).toBe(true);
  });
  // Terraform checks the recorded backend first: against a fresh emulator it said "Backend configuration changed".
  test('a missing state bucket is the one line, before any recorded backend is looked at', async () => {
    const fake = new FakeAws();
    fake.buckets = new Set();
    const { dir, record } = initializedProject(OLD_KEY);
    await expect(prepareBackends(dir, moved, ['app'], [], fake.clients.s3)).rejects.toThrow(
      new UserError(
        `cdktf deploy app: state bucket "${BUCKET}" does not exist: deploy the bootstrap stack first (cdktf deploy bootstrap, or npm run local against the emulator)`,
      ),
    );
    expect(fake.calls).toEqual([`HeadBucket ${BUCKET}/`]);
    expect(existsSync(record)).toBe(true);
  });
  test('a deploy of bootstrap, or with --migrate-state, is left to Terraform: nothing asked of AWS', async () => {
    const fake = new FakeAws();
    fake.buckets = new Set();
    const { dir } = initializedProject(OLD_KEY);
    await prepareBackends(dir, moved, ['bootstrap', 'app'], [], fake.clients.s3);
    await prepareBackends(dir, moved, ['app'], ['--migrate-state'], fake.clients.s3);
    expect(fake.calls).toEqual([]);
  });
});
