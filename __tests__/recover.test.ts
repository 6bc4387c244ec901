// The pure parts of finishing an interrupted bootstrap: which resources of the synthesized stack the state lacks,
// and the local state made usable again after a kill. The AWS part is the e2e scenario interrupted-bootstrap; a
// state file locked by a running process is in recover.process.test.ts.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors';
import {
  type LocalState,
  lastGoodStatePath,
  missingFromState,
  recoverLocalState,
  refuseStateInBucket,
  type SynthesizedStack,
  stateIds,
} from '../scripts/lib/recover';
import { FakeAws } from './fake-aws';
import { configFrom } from './helpers';

/** A cut of the bootstrap stack as cdktf synthesizes it: one resource of each kind, a replica bucket and key. */
const STACK: SynthesizedStack = {
  provider: { aws: [{ region: 'eu-west-1' }, { region: 'eu-central-1', alias: 'replica' }] },
  resource: {
    aws_s3_bucket: {
      'state-bucket_828F7150': { bucket: 'tfstate-x' },
      'log-bucket_38F5EEF0': { bucket: 'tfstate-x-logs' },
      replication_replica_1: { bucket: 'tfstate-x-replica', provider: 'aws.replica' },
    },
    aws_s3_bucket_versioning: {
      'state-bucket_versioning_933ED8BF': { bucket: '${aws_s3_bucket.state-bucket_828F7150.id}' },
    },
    aws_dynamodb_table: { 'lock-table_D28631D7': { name: 'terraform-locks' } },
    aws_kms_key: { 'state-key_753BFC90': {}, replication_key_2: { provider: 'aws.replica' } },
    aws_kms_alias: {
      'state-key_alias_63E2A9D5': {
        name: 'alias/tfstate-x',
        target_key_id: '${aws_kms_key.state-key_753BFC90.key_id}',
      },
      replication_alias_3: {
        name: 'alias/tfstate-x-replica',
        target_key_id: '${aws_kms_key.replication_key_2.key_id}',
        provider: 'aws.replica',
      },
    },
    aws_iam_policy: { 'access-policies_read-only_620F8F00': { name: 'tfstate-x-state-read-only' } },
  },
};

const managed = (type: string, name: string, id: string) => ({
  mode: 'managed',
  type,
  name,
  instances: [{ attributes: { id } }],
});

describe('missingFromState: the named resources of the stack the state does not hold', () => {
  test('no state: every named resource, each with its name and region; every key region', () => {
    expect(missingFromState(STACK, undefined)).toEqual({
      missing: [
        {
          address: 'aws_s3_bucket.state-bucket_828F7150',
          type: 'aws_s3_bucket',
          name: 'tfstate-x',
          region: 'eu-west-1',
        },
        {
          address: 'aws_s3_bucket.log-bucket_38F5EEF0',
          type: 'aws_s3_bucket',
          name: 'tfstate-x-logs',
          region: 'eu-west-1',
        },
        {
          address: 'aws_s3_bucket.replication_replica_1',
          type: 'aws_s3_bucket',
          name: 'tfstate-x-replica',
          region: 'eu-central-1',
        },
        {
          address: 'aws_dynamodb_table.lock-table_D28631D7',
          type: 'aws_dynamodb_table',
          name: 'terraform-locks',
          region: 'eu-west-1',
        },
        {
          address: 'aws_kms_alias.state-key_alias_63E2A9D5',
          type: 'aws_kms_alias',
          name: 'alias/tfstate-x',
          region: 'eu-west-1',
          keyAddress: 'aws_kms_key.state-key_753BFC90',
        },
        {
          address: 'aws_kms_alias.replication_alias_3',
          type: 'aws_kms_alias',
          name: 'alias/tfstate-x-replica',
          region: 'eu-central-1',
          keyAddress: 'aws_kms_key.replication_key_2',
        },
        {
          address: 'aws_iam_policy.access-policies_read-only_620F8F00',
          type: 'aws_iam_policy',
          name: 'tfstate-x-state-read-only',
          region: 'eu-west-1',
          path: '/',
        },
      ],
      keyRegions: ['eu-west-1', 'eu-central-1'],
    });
  });

  test('a state holding some: only the others; an alias whose key is held imports no key; data sources and modules do not count', () => {
    const state: LocalState = {
      resources: [
        managed('aws_s3_bucket', 'state-bucket_828F7150', 'tfstate-x'),
        managed('aws_s3_bucket', 'replication_replica_1', 'tfstate-x-replica'),
        managed('aws_kms_key', 'state-key_753BFC90', 'k-1'),
        managed('aws_kms_key', 'replication_key_2', 'k-2'),
        managed('aws_kms_alias', 'replication_alias_3', 'alias/tfstate-x-replica'),
        { mode: 'data', type: 'aws_s3_bucket', name: 'log-bucket_38F5EEF0' },
        { mode: 'managed', type: 'aws_dynamodb_table', name: 'lock-table_D28631D7', module: 'module.other' },
      ],
    };
    expect(missingFromState(STACK, state)).toEqual({
      missing: [
        {
          address: 'aws_s3_bucket.log-bucket_38F5EEF0',
          type: 'aws_s3_bucket',
          name: 'tfstate-x-logs',
          region: 'eu-west-1',
        },
        {
          address: 'aws_dynamodb_table.lock-table_D28631D7',
          type: 'aws_dynamodb_table',
          name: 'terraform-locks',
          region: 'eu-west-1',
        },
        {
          address: 'aws_kms_alias.state-key_alias_63E2A9D5',
          type: 'aws_kms_alias',
          name: 'alias/tfstate-x',
          region: 'eu-west-1',
        },
        {
          address: 'aws_iam_policy.access-policies_read-only_620F8F00',
          type: 'aws_iam_policy',
          name: 'tfstate-x-state-read-only',
          region: 'eu-west-1',
          path: '/',
        },
      ],
      keyRegions: [],
    });
  });

  test("resources with an import block of their own (TFSTATE_ADOPT's) are left to it; an alias on a given key ARN imports no key", () => {
    const adopted: SynthesizedStack = {
      provider: STACK.provider,
      resource: {
        aws_s3_bucket: { 'state-bucket_828F7150': { bucket: 'tfstate-x' } },
        aws_dynamodb_table: { 'lock-table_D28631D7': { name: 'terraform-locks' } },
        aws_kms_alias: {
          'state-key_alias_63E2A9D5': {
            name: 'alias/tfstate-x',
            target_key_id: '1234abcd-12ab-34cd-56ef-1234567890ab',
          },
        },
      },
      import: [{ to: 'aws_s3_bucket.state-bucket_828F7150' }, { to: 'aws_dynamodb_table.lock-table_D28631D7' }],
    };
    expect(missingFromState(adopted, undefined)).toEqual({
      missing: [
        {
          address: 'aws_kms_alias.state-key_alias_63E2A9D5',
          type: 'aws_kms_alias',
          name: 'alias/tfstate-x',
          region: 'eu-west-1',
        },
      ],
      keyRegions: [],
    });
  });

  test('the ids a state holds (a key is known by its id)', () => {
    expect(
      stateIds({
        resources: [managed('aws_kms_key', 'state-key_753BFC90', 'k-1'), managed('aws_s3_bucket', 'b', 'tfstate-x')],
      }),
    ).toEqual(new Set(['k-1', 'tfstate-x']));
  });
});

describe('recoverLocalState: the local state after a kill', () => {
  let dir: string;
  const file = () => join(dir, 'terraform.bootstrap.tfstate');
  const GOOD = '{"version": 4, "serial": 7, "lineage": "l-1", "resources": []}';
  let log: jest.SpyInstance;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tfstate-recover-'));
    log = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    log.mockRestore();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a valid state is kept as the last good copy, 0600, and returned; a world-readable state file is made 0600', () => {
    writeFileSync(file(), GOOD, { mode: 0o644 });
    expect(recoverLocalState(dir)).toEqual({ version: 4, serial: 7, lineage: 'l-1', resources: [] });
    expect(readFileSync(join(dir, '.local', 'terraform.bootstrap.tfstate.last-good'), 'utf8')).toBe(GOOD);
    expect(statSync(join(dir, '.local', 'terraform.bootstrap.tfstate.last-good')).mode & 0o777).toBe(0o600);
    expect(statSync(file()).mode & 0o777).toBe(0o600);
  });

  test.each([
    ['an empty', '', 'empty'],
    ['a cut-short', '{"version": 4, "serial": 8, "lin', 'not a Terraform state (not JSON)'],
  ])('%s state is replaced by the last good copy, in a progress line', (_what, text, said) => {
    mkdirSync(join(dir, '.local'));
    writeFileSync(lastGoodStatePath(dir), GOOD);
    writeFileSync(file(), text);
    expect(recoverLocalState(dir)).toEqual({ version: 4, serial: 7, lineage: 'l-1', resources: [] });
    expect(readFileSync(file(), 'utf8')).toBe(GOOD);
    expect(log.mock.calls).toEqual([
      [
        `==> terraform.bootstrap.tfstate was ${said} (an interrupted run): restored its last good copy (${join(dir, '.local', 'terraform.bootstrap.tfstate.last-good')})`,
      ],
    ]);
  });

  test('without a last good copy: an empty state is removed, a cut-short one set aside; no state either way', () => {
    writeFileSync(file(), '');
    expect(recoverLocalState(dir)).toBeUndefined();
    expect(existsSync(file())).toBe(false);
    writeFileSync(file(), '{"version": 4, "ser');
    expect(recoverLocalState(dir)).toBeUndefined();
    expect(existsSync(file())).toBe(false);
    expect(readFileSync(join(dir, '.local', 'terraform.bootstrap.tfstate.broken'), 'utf8')).toBe('{"version": 4, "ser');
  });

  test('no state file: nothing to recover, nothing written', () => {
    expect(recoverLocalState(dir)).toBeUndefined();
    expect(existsSync(join(dir, '.local'))).toBe(false);
  });
});

describe('refuseStateInBucket: no local state while the bucket holds the bootstrap state (phase 3 without its setting)', () => {
  const config = configFrom({});
  test('a state at the bootstrap key is one line naming it and the setting; none, or a deleted one, lets the recovery go on', async () => {
    const fake = new FakeAws();
    await expect(refuseStateInBucket(fake.clients.s3, config)).resolves.toBeUndefined();
    fake.put(config.bucket, 'bootstrap/terraform.tfstate', '{"version":4,"serial":3,"lineage":"l-1"}');
    await expect(refuseStateInBucket(fake.clients.s3, config)).rejects.toThrow(
      new UserError(
        `terraform.bootstrap.tfstate holds no state and s3://${config.bucket}/bootstrap/terraform.tfstate does (phase 3): importing every resource into a new local state would make a second state of them; deploy with TFSTATE_BOOTSTRAP_BACKEND=s3 (keep it in tfstate.config.json)`,
      ),
    );
    fake.put(config.bucket, 'bootstrap/terraform.tfstate', undefined);
    await expect(refuseStateInBucket(fake.clients.s3, config)).resolves.toBeUndefined();
  });
});
