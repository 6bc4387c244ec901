// listStates and deleteState (ops/keys.ts) against the in-memory AWS of fake-aws.ts: what each leaves in the
// bucket and the table, and what each says.
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { deleteObjectVersions, listObjectVersions } from '../ops/bucket';
import { deleteState, listStates } from '../ops/keys';
import type { LockInfo } from '../ops/locks';
import { StateOperationError } from '../ops/operation';
import { awsError, FakeAws, TERRAFORM_LOCK } from './fake-aws';
import { configFrom } from './helpers';

const BUCKET = 'tfstate-0a1b2c3d4e5f-us-east-1';
const APP = 'app/terraform.tfstate';
const DEV = 'env/dev/terraform.tfstate';
const dynamodbLocking = configFrom({ TFSTATE_LOCKING: 'dynamodb' });
const s3Locking = configFrom({ TFSTATE_LOCKING: 's3' });
const state = (lineage: string, serial: number) => JSON.stringify({ version: 4, serial, lineage, resources: [] });
async function remove(fake: FakeAws, key: string, purge: boolean, config = dynamodbLocking): Promise<string[]> {
  const said: string[] = [];
  await deleteState(fake.clients, config, key, purge, (line) => said.push(line));
  return said;
}

describe('state list', () => {
  test('every state key, sorted, deleted ones too; lockfiles and the kOps store left out; locks shown', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, DEV, state('DEV', 1));
    fake.put(BUCKET, DEV, undefined);
    fake.put(BUCKET, APP, state('APP', 1));
    fake.put(BUCKET, APP, state('APP', 2));
    fake.put(BUCKET, `${APP}.tflock`, JSON.stringify(TERRAFORM_LOCK));
    fake.put(BUCKET, 'kops/cluster1/config', 'kops');
    fake.put(BUCKET, 'kopsx/terraform.tfstate', state('X', 1));
    fake.put(BUCKET, 'Zeta/terraform.tfstate', state('Z', 1));
    // S3 lists Zeta/ first (byte order); the list reads alphabetically.
    expect(await listStates(fake.clients, configFrom({ TFSTATE_LOCKING: 'both' }))).toEqual([
      {
        key: APP,
        current: { size: state('APP', 2).length, lastModified: new Date(4000) },
        versions: 2,
        locks: [{ source: 's3', info: TERRAFORM_LOCK }],
      },
      { key: DEV, current: undefined, versions: 1, locks: [] },
      {
        key: 'kopsx/terraform.tfstate',
        current: { size: state('X', 1).length, lastModified: new Date(7000) },
        versions: 1,
        locks: [],
      },
      {
        key: 'Zeta/terraform.tfstate',
        current: { size: state('Z', 1).length, lastModified: new Date(8000) },
        versions: 1,
        locks: [],
      },
    ]);
  });
  test('2,500 keys: one request per listing page and per scan page, a read only of the lockfile that is held', async () => {
    const fake = new FakeAws();
    const key = (i: number) => `env/e${i}/terraform.tfstate`;
    for (let i = 0; i < 2500; i++) {
      fake.put(BUCKET, key(i), state(`E${i}`, 1));
      fake.items.set(`${BUCKET}/${key(i)}-md5`, { LockID: { S: `${BUCKET}/${key(i)}-md5` }, Digest: { S: 'abc' } });
    }
    fake.put(BUCKET, 'env/e7/terraform.tfstate.tflock', JSON.stringify(TERRAFORM_LOCK));
    // A lockfile released (its delete marker is current) is not read.
    fake.put(BUCKET, 'env/e8/terraform.tfstate.tflock', '{}');
    fake.put(BUCKET, 'env/e8/terraform.tfstate.tflock', undefined);
    const item = { ...TERRAFORM_LOCK, ID: 'in-the-table' };
    fake.items.set(`${BUCKET}/env/e9/terraform.tfstate`, {
      LockID: { S: `${BUCKET}/env/e9/terraform.tfstate` },
      Info: { S: JSON.stringify(item) },
    });
    const states = await listStates(fake.clients, configFrom({ TFSTATE_LOCKING: 'both' }));
    // 2,503 versions and markers: 3 pages of 1,000; 2,501 items: 3 scan pages of 1,000.
    expect(fake.calls).toEqual([
      `ListObjectVersions ${BUCKET}/`,
      `ListObjectVersions ${BUCKET}/`,
      `ListObjectVersions ${BUCKET}/`,
      'Scan ',
      `Scan ${BUCKET}/env/e1898/terraform.tfstate-md5`,
      `Scan ${BUCKET}/env/e548/terraform.tfstate-md5`,
      `GetObject ${BUCKET}/env/e7/terraform.tfstate.tflock`,
    ]);
    expect(states).toHaveLength(2500);
    expect(states.filter((listed) => listed.locks.length > 0)).toEqual([
      expect.objectContaining({ key: 'env/e7/terraform.tfstate', locks: [{ source: 's3', info: TERRAFORM_LOCK }] }),
      expect.objectContaining({ key: 'env/e9/terraform.tfstate', locks: [{ source: 'dynamodb', info: item }] }),
    ]);
  });
  test.each([
    ['dynamodb', ['ListObjectVersions', 'Scan']],
    ['s3', ['ListObjectVersions', 'GetObject']],
  ])('%s locking: only the place that mode locks in is read', async (locking, commands) => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('APP', 1));
    fake.put(BUCKET, `${APP}.tflock`, JSON.stringify(TERRAFORM_LOCK));
    const [listed] = await listStates(fake.clients, configFrom({ TFSTATE_LOCKING: locking }));
    expect(fake.calls.map((call) => call.split(' ')[0])).toEqual(commands);
    expect(listed.locks.map((lock) => lock.source)).toEqual(locking === 's3' ? ['s3'] : []);
  });
  test('a lock item written a moment ago is held: the table is scanned with a consistent read', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('APP', 1));
    await fake.clients.dynamodb.send(
      new PutItemCommand({
        TableName: 'terraform-locks',
        Item: { LockID: { S: `${BUCKET}/${APP}` }, Info: { S: JSON.stringify(TERRAFORM_LOCK) } },
      }),
    );
    const [listed] = await listStates(fake.clients, dynamodbLocking);
    expect(listed.locks).toEqual([{ source: 'dynamodb', info: TERRAFORM_LOCK }]);
  });
  test('an empty bucket lists nothing', async () => {
    expect(await listStates(new FakeAws().clients, dynamodbLocking)).toEqual([]);
  });
});

describe('state delete', () => {
  test('removes the current version and the digest; the history stays for restore', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('APP', 1));
    fake.items.set(`${BUCKET}/${APP}-md5`, { LockID: { S: `${BUCKET}/${APP}-md5` }, Digest: { S: 'abc' } });
    fake.put(BUCKET, DEV, state('DEV', 1));
    expect(await remove(fake, APP, false)).toEqual([
      `removed the current version of s3://${BUCKET}/${APP}`,
      `removed the digest item of s3://${BUCKET}/${APP}`,
      `deleted s3://${BUCKET}/${APP}; its history stays: npm run state -- versions / restore`,
    ]);
    expect(fake.history(BUCKET, APP)).toEqual([`v1:${state('APP', 1)}`, 'v3:marker']);
    expect(fake.history(BUCKET, DEV)).toEqual([`v2:${state('DEV', 1)}`]);
    expect(fake.items.size).toBe(0);
  });
  test('run again, it says the state is already deleted and adds nothing', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('APP', 1));
    fake.put(BUCKET, APP, undefined);
    expect(await remove(fake, APP, false)).toEqual([
      `s3://${BUCKET}/${APP} has no current version (already deleted)`,
      `deleted s3://${BUCKET}/${APP}; its history stays: npm run state -- versions / restore`,
    ]);
    expect(fake.history(BUCKET, APP)).toEqual([`v1:${state('APP', 1)}`, 'v2:marker']);
  });
  test('a lockfile left from s3 locking is not a lock under dynamodb locking, and is removed', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('APP', 1));
    fake.put(BUCKET, `${APP}.tflock`, '{}');
    expect(await remove(fake, APP, false)).toEqual([
      `removed the current version of s3://${BUCKET}/${APP}`,
      `removed the lockfile ${APP}.tflock`,
      `deleted s3://${BUCKET}/${APP}; its history stays: npm run state -- versions / restore`,
    ]);
    expect(fake.history(BUCKET, `${APP}.tflock`)).toEqual(['v2:{}', 'v4:marker']);
  });
  test.each([
    [false, `delete s3://${BUCKET}/${APP} (pid ${process.pid})`],
    [true, `delete s3://${BUCKET}/${APP} --purge (pid ${process.pid})`],
  ])(
    'purge %s: its lock names the delete and this process, so a re-run can tell it is its own',
    async (purge, info) => {
      const fake = new FakeAws();
      fake.put(BUCKET, APP, state('APP', 1));
      const held: string[] = [];
      fake.beforeSend = (call) => {
        if (call.startsWith('DeleteObject ')) held.push(JSON.parse(fake.items.get(`${BUCKET}/${APP}`)!.Info.S).Info);
      };
      await remove(fake, APP, purge);
      expect(held).toEqual([info]);
    },
  );
  test('--purge under s3 locking: every version of the state and of its lockfile is gone, other keys stay', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('APP', 1));
    fake.put(BUCKET, APP, undefined);
    fake.put(BUCKET, APP, state('APP', 2));
    fake.put(BUCKET, `${APP}.backup`, state('APP', 0));
    expect(await remove(fake, APP, true, s3Locking)).toEqual([
      `removed the current version of s3://${BUCKET}/${APP}`,
      `purged 4 version(s) and delete marker(s) of s3://${BUCKET}/${APP}: nothing of it is left to restore`,
      `purged 2 version(s) of the lockfile ${APP}.tflock`,
    ]);
    expect([...fake.objects.keys()]).toEqual([`${BUCKET}/${APP}.backup`]);
  });
  test('s3 locking: no digest item to remove (there is no table)', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('APP', 1));
    expect(await remove(fake, APP, false, s3Locking)).toEqual([
      `removed the current version of s3://${BUCKET}/${APP}`,
      `deleted s3://${BUCKET}/${APP}; its history stays: npm run state -- versions / restore`,
    ]);
    expect(fake.calls.filter((call) => call.startsWith('DeleteItem'))).toEqual([]);
  });
  test('--purge of a key with no lockfile history says nothing about lockfiles', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('APP', 1));
    expect(await remove(fake, APP, true)).toEqual([
      `removed the current version of s3://${BUCKET}/${APP}`,
      `purged 2 version(s) and delete marker(s) of s3://${BUCKET}/${APP}: nothing of it is left to restore`,
    ]);
    expect(fake.objects.size).toBe(0);
  });
  test('a release failing after a plain delete: the line says the delete is done, and nothing about purging', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('APP', 1));
    fake.failNext('DeleteItemCommand', awsError('ThrottlingException', 400), `${BUCKET}/${APP}`);
    const failure = await remove(fake, APP, false).catch((error: unknown) => error);
    const lockId = (JSON.parse(fake.items.get(`${BUCKET}/${APP}`)!.Info!.S!) as LockInfo).ID;
    expect(failure).toEqual(
      new StateOperationError(
        `deleted s3://${BUCKET}/${APP}, but releasing the lock failed: item "${BUCKET}/${APP}" of terraform-locks left behind with lock ID ${lockId} (ThrottlingException: ThrottlingException (fake)): delete it once AWS answers again`,
      ),
    );
  });
  test('a key that never existed: nothing to delete, nothing asked of the bucket', async () => {
    const fake = new FakeAws();
    fake.versioning.set(BUCKET, 'Suspended');
    expect(await remove(fake, APP, false)).toEqual([
      `s3://${BUCKET}/${APP} has no current version (already deleted)`,
      `deleted s3://${BUCKET}/${APP}; its history stays: npm run state -- versions / restore`,
    ]);
    expect(fake.calls).not.toContain(`GetBucketVersioning ${BUCKET}/`);
  });
  test('a release failing after the delete: the line says the delete is done and names the lockfile left behind; it is not removed as a leftover', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('APP', 1));
    fake.failNext('DeleteObjectCommand', awsError('AccessDenied', 403), `${BUCKET}/${APP}.tflock`);
    const said: string[] = [];
    const failure = await deleteState(fake.clients, s3Locking, APP, true, (line) => said.push(line)).catch(
      (error: unknown) => error,
    );
    const lockId = (JSON.parse(fake.objects.get(`${BUCKET}/${APP}.tflock`)![0].body!) as LockInfo).ID;
    expect(failure).toEqual(
      new StateOperationError(
        `deleted s3://${BUCKET}/${APP} and purged its versions, but releasing the lock failed: the object s3://${BUCKET}/${APP}.tflock left behind with lock ID ${lockId} (AccessDenied: AccessDenied (fake)): delete it once AWS answers again`,
      ),
    );
    expect(said).toEqual([
      `removed the current version of s3://${BUCKET}/${APP}`,
      `purged 2 version(s) and delete marker(s) of s3://${BUCKET}/${APP}: nothing of it is left to restore`,
    ]);
    expect([...fake.objects.keys()]).toEqual([`${BUCKET}/${APP}.tflock`]);
  });
  test('a held lock refuses the delete; nothing is removed', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('APP', 1));
    fake.items.set(`${BUCKET}/${APP}`, {
      LockID: { S: `${BUCKET}/${APP}` },
      Info: { S: JSON.stringify(TERRAFORM_LOCK) },
    });
    await expect(remove(fake, APP, true)).rejects.toThrow(
      new StateOperationError(
        `s3://${BUCKET}/${APP} is locked by ci@runner-1 (ID 7f0c7c37-5b2e-2d6c-0a50-3c6fbd1e4a7e, OperationTypeApply); tfstate-delete refused while a lock is held`,
      ),
    );
    expect(fake.history(BUCKET, APP)).toEqual([`v1:${state('APP', 1)}`]);
  });
});

describe('state delete where versioning is not enabled', () => {
  const refusal = (status: string) =>
    new StateOperationError(
      `s3://${BUCKET}/${APP}: the bucket's versioning is ${status} and the current version has no version of its own (id "null"), so the delete would destroy it for good instead of keeping it in the history; enable the bucket's versioning again (npm run deploy -- bootstrap), then run this again`,
    );
  test.each([
    ['Suspended', 'suspended'],
    ['never enabled', 'off'],
  ] as const)(
    'versioning %s: a current version "null" is not deleted, and its lock is released',
    async (versioning, status) => {
      const fake = new FakeAws();
      fake.versioning.set(BUCKET, versioning);
      fake.put(BUCKET, APP, state('APP', 1));
      await expect(remove(fake, APP, false)).rejects.toThrow(refusal(status));
      expect(fake.history(BUCKET, APP)).toEqual([`null:${state('APP', 1)}`]);
      expect(fake.items.size).toBe(0);
    },
  );
  test('versioning enabled again: the version "null" stays in the history behind the delete marker', async () => {
    const fake = new FakeAws();
    fake.versioning.set(BUCKET, 'Suspended');
    fake.put(BUCKET, APP, state('APP', 1));
    fake.versioning.delete(BUCKET);
    await remove(fake, APP, false);
    expect(fake.history(BUCKET, APP)).toEqual([`null:${state('APP', 1)}`, 'v2:marker']);
  });
  test('suspended, with a current version written while it was enabled: deleted, that version stays', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('APP', 1));
    fake.versioning.set(BUCKET, 'Suspended');
    await remove(fake, APP, false);
    expect(fake.history(BUCKET, APP)).toEqual([`v1:${state('APP', 1)}`, 'null:marker']);
    expect(fake.calls).not.toContain(`GetBucketVersioning ${BUCKET}/`);
  });
  test('--purge deletes every version anyway: nothing to keep, nothing asked', async () => {
    const fake = new FakeAws();
    fake.versioning.set(BUCKET, 'Suspended');
    fake.put(BUCKET, APP, state('APP', 1));
    await remove(fake, APP, true);
    expect(fake.history(BUCKET, APP)).toEqual([]);
    expect(fake.calls).not.toContain(`GetBucketVersioning ${BUCKET}/`);
  });
});

describe('deleting versions for good', () => {
  test('in batches of 250 (moto takes over a minute for 1000 versions of one key), the count done after each', async () => {
    const fake = new FakeAws();
    for (let i = 0; i < 2001; i++) fake.put(BUCKET, APP, String(i));
    const done: number[] = [];
    await deleteObjectVersions(
      fake.clients.s3,
      BUCKET,
      await listObjectVersions(fake.clients.s3, BUCKET, APP),
      (count) => done.push(count),
    );
    expect(fake.objects.size).toBe(0);
    expect(fake.calls.filter((call) => call.startsWith('DeleteObjects'))).toHaveLength(9);
    expect(done).toEqual([250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2001]);
  });
  test('versions S3 refuses to delete are one error naming the first', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('APP', 1));
    fake.put(BUCKET, DEV, state('DEV', 1));
    fake.undeletable.add(`${BUCKET}/${DEV}`);
    const deleting = deleteObjectVersions(fake.clients.s3, BUCKET, await listObjectVersions(fake.clients.s3, BUCKET));
    await expect(deleting).rejects.toThrow(`could not delete 1 object version(s) from ${BUCKET}: AccessDenied ${DEV}`);
    // A user error (one line from the shell, exit 1), not a bug with a stack trace: teardown runs into it.
    await expect(deleting).rejects.toBeInstanceOf(StateOperationError);
    expect(fake.history(BUCKET, APP)).toEqual([]);
  });
  test('nothing to delete sends nothing', async () => {
    const fake = new FakeAws();
    await deleteObjectVersions(fake.clients.s3, BUCKET, []);
    expect(fake.calls).toEqual([]);
  });
});
