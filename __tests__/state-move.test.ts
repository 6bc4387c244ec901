// moveState against the in-memory AWS of fake-aws.ts, for the cases the emulator scenario does not reach:
// refusals, a run killed midway and run again, another bucket.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { moveState } from '../ops/keys';
import type { LockInfo } from '../ops/locks';
import { StateOperationError } from '../ops/operation';
import { awsError, FakeAws } from './fake-aws';
import { configFrom } from './helpers';

const config = configFrom({ TFSTATE_LOCKING: 'dynamodb' });
const BUCKET = 'tfstate-0a1b2c3d4e5f-us-east-1';
const APP = 'app/terraform.tfstate';
const NETWORK = 'network/terraform.tfstate';
const ALIAS = 'alias/tfstate-0a1b2c3d4e5f-us-east-1';
const ME = `${userInfo().username}@${hostname()}`;
const md5Of = (text: string) => createHash('md5').update(text).digest('hex');
const state = (lineage: string, serial: number) => JSON.stringify({ version: 4, serial, lineage, resources: [] });
const digestItem = (key: string, digest: string) => ({ LockID: { S: `${BUCKET}/${key}-md5` }, Digest: { S: digest } });
/** A process id that no process has any more. */
const DEAD_PID = spawnSync('true').pid;
/** The lock a move from app to network run as `pid` leaves on `key` when it is killed. */
const moveLock = (
  key: string,
  pid: number,
  description = `move s3://${BUCKET}/${APP} -> s3://${BUCKET}/${NETWORK}`,
): LockInfo => ({
  ID: `lock-of-${key}`,
  Operation: 'tfstate-move',
  Info: `${description} (pid ${pid})`,
  Who: ME,
  Version: '',
  Created: '2026-11-22T08:00:00.000Z',
  Path: `${BUCKET}/${key}`,
});
const lockItem = (key: string, info: LockInfo) => ({
  LockID: { S: `${BUCKET}/${key}` },
  Info: { S: JSON.stringify(info) },
});

function move(
  fake: FakeAws,
  from = APP,
  to = NETWORK,
  toBucket = BUCKET,
  settings = config,
): { run: Promise<void>; said: string[] } {
  const said: string[] = [];
  return { run: moveState(fake.clients, settings, from, to, toBucket, (line) => said.push(line)), said };
}

describe('state move', () => {
  test('moves the current state and its digest, leaving no lock; the source keeps its history', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('L1', 3));
    fake.items.set(`${BUCKET}/${APP}-md5`, digestItem(APP, 'old'));
    const { run, said } = move(fake);
    await run;
    const md5 = md5Of(state('L1', 3));
    expect(said).toEqual([
      `copied s3://${BUCKET}/${APP} to s3://${BUCKET}/${NETWORK} (${state('L1', 3).length} bytes, serial 3)`,
      `digest ${md5} of s3://${BUCKET}/${NETWORK} written to terraform-locks`,
      `removed the current version of s3://${BUCKET}/${APP} (its versions stay: npm run state -- versions / restore)`,
      `removed the digest item of s3://${BUCKET}/${APP}`,
      `moved s3://${BUCKET}/${APP} to s3://${BUCKET}/${NETWORK}`,
    ]);
    expect(fake.objects.get(`${BUCKET}/${NETWORK}`)).toEqual([
      {
        versionId: 'v2',
        body: state('L1', 3),
        at: 2,
        headers: { ContentType: 'application/json', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: ALIAS },
      },
    ]);
    expect(fake.history(BUCKET, APP)).toEqual([`v1:${state('L1', 3)}`, 'v3:marker']);
    expect([...fake.items.values()]).toEqual([digestItem(NETWORK, md5)]);
    // Released in the reverse order of taking: the target's lock, then the source's.
    expect(fake.calls.filter((call) => call.startsWith('DeleteItem'))).toEqual([
      `DeleteItem ${BUCKET}/${APP}-md5`,
      `DeleteItem ${BUCKET}/${NETWORK}`,
      `DeleteItem ${BUCKET}/${APP}`,
    ]);
  });

  test('its locks name the move and this process, so a re-run can tell they are its own', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('L1', 3));
    const held: string[] = [];
    fake.beforeSend = (call) => {
      if (call === `PutObject ${BUCKET}/${NETWORK}`)
        for (const key of [APP, NETWORK]) held.push(JSON.parse(fake.items.get(`${BUCKET}/${key}`)!.Info.S).Info);
    };
    await move(fake).run;
    expect(held).toEqual([
      `move s3://${BUCKET}/${APP} -> s3://${BUCKET}/${NETWORK} (pid ${process.pid})`,
      `move s3://${BUCKET}/${APP} -> s3://${BUCKET}/${NETWORK} (pid ${process.pid})`,
    ]);
  });

  test('a copy failing for another reason than a state appearing is that error', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('L1', 3));
    fake.failNext('PutObjectCommand', awsError('InternalError', 500), `${BUCKET}/${NETWORK}`);
    await expect(move(fake).run).rejects.toThrow(awsError('InternalError', 500));
    expect(fake.items.size).toBe(0);
  });

  test("to another bucket: that bucket's own default encryption, both keys locked, digest under the new bucket", async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('L1', 3));
    const { run, said } = move(fake, APP, APP, 'other-bucket');
    await run;
    expect(fake.objects.get(`other-bucket/${APP}`)).toEqual([
      { versionId: 'v2', body: state('L1', 3), at: 2, headers: { ContentType: 'application/json' } },
    ]);
    expect([...fake.items.keys()]).toEqual([`other-bucket/${APP}-md5`]);
    expect(fake.calls[0]).toBe('HeadBucket other-bucket/');
    expect(fake.calls.filter((call) => call.startsWith('PutItem'))).toEqual([
      `PutItem ${BUCKET}/${APP}`,
      `PutItem other-bucket/${APP}`,
      `PutItem other-bucket/${APP}-md5`,
    ]);
    expect(said.at(-1)).toBe(`moved s3://${BUCKET}/${APP} to s3://other-bucket/${APP}`);
  });

  test('a target bucket that does not exist is refused in one line before any lock', async () => {
    const fake = new FakeAws();
    fake.buckets = new Set([BUCKET]);
    fake.put(BUCKET, APP, state('L1', 3));
    await expect(move(fake, APP, APP, 'typo-bucket').run).rejects.toThrow(
      new StateOperationError('s3://typo-bucket: no such bucket (a move does not create its target bucket)'),
    );
    expect(fake.calls).toEqual(['HeadBucket typo-bucket/']);
  });

  test.each([
    ['denied (no s3:ListBucket there): the move goes on', 403, undefined],
    ['failing otherwise: that error', 500, 'InternalError (fake)'],
    ['failing with no HTTP answer: that error', null, 'InternalError (fake)'],
  ])('a target bucket whose check is %s', async (_, status, error) => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('L1', 3));
    fake.failNext('HeadBucketCommand', awsError(status === 403 ? 'Forbidden' : 'InternalError', status));
    const { run, said } = move(fake, APP, APP, 'other-bucket');
    if (error === undefined) {
      await run;
      expect(said.at(-1)).toBe(`moved s3://${BUCKET}/${APP} to s3://other-bucket/${APP}`);
    } else {
      await expect(run).rejects.toThrow(error);
      expect(fake.items.size).toBe(0);
    }
  });

  test('a state onto itself is refused before any lock', async () => {
    const fake = new FakeAws();
    await expect(move(fake, APP, APP).run).rejects.toThrow(
      new StateOperationError(`s3://${BUCKET}/${APP}: source and target are the same`),
    );
    expect(fake.calls).toEqual([]);
  });

  test('a target holding another state is refused; both states and no lock left', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('L1', 3));
    fake.put(BUCKET, NETWORK, state('NET', 12));
    const { run, said } = move(fake);
    await expect(run).rejects.toThrow(
      new StateOperationError(
        `s3://${BUCKET}/${NETWORK} already holds another state (serial 12); move refused (delete it first, or pick another key)`,
      ),
    );
    expect(said).toEqual([]);
    expect(fake.history(BUCKET, APP)).toEqual([`v1:${state('L1', 3)}`]);
    expect(fake.history(BUCKET, NETWORK)).toEqual([`v2:${state('NET', 12)}`]);
    expect(fake.items.size).toBe(0);
  });

  test.each(['not json', '{"lineage": "L2"}'])('a target holding %s is refused with serial ?', async (other) => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('L1', 3));
    fake.put(BUCKET, NETWORK, other);
    await expect(move(fake).run).rejects.toThrow(
      `s3://${BUCKET}/${NETWORK} already holds another state (serial ?); move refused (delete it first, or pick another key)`,
    );
  });

  test('a source that never existed is refused, even when the target holds a state (a typo is no interrupted move)', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, 'env/dev/terraform.tfstate', state('DEV', 9));
    const { run, said } = move(fake, 'app/terraform.tfstat', 'env/dev/terraform.tfstate');
    await expect(run).rejects.toThrow(
      new StateOperationError(
        `s3://${BUCKET}/app/terraform.tfstat has no current state to move (see: npm run state -- list)`,
      ),
    );
    expect(said).toEqual([]);
    expect(fake.items.size).toBe(0);
  });

  test('a deleted source with no target is refused too', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('L1', 3));
    fake.put(BUCKET, APP, undefined);
    await expect(move(fake).run).rejects.toThrow(
      `s3://${BUCKET}/${APP} has no current state to move (see: npm run state -- list)`,
    );
  });

  test("a source deleted by hand whose last version is another state than the target's is refused", async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('APP', 1));
    fake.put(BUCKET, APP, undefined);
    fake.put(BUCKET, 'env/dev/terraform.tfstate', state('DEV', 9));
    await expect(move(fake, APP, 'env/dev/terraform.tfstate').run).rejects.toThrow(
      `s3://${BUCKET}/${APP} has no current state, and s3://${BUCKET}/env/dev/terraform.tfstate holds another state than its last version: no move to finish`,
    );
  });

  test('killed after the copy (its locks left behind): the re-run takes over its own dead locks and finishes', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('L1', 3));
    fake.put(BUCKET, NETWORK, state('L1', 3));
    fake.items.set(`${BUCKET}/${APP}`, lockItem(APP, moveLock(APP, DEAD_PID)));
    fake.items.set(`${BUCKET}/${NETWORK}`, lockItem(NETWORK, moveLock(NETWORK, DEAD_PID)));
    const { run, said } = move(fake);
    await run;
    expect(said).toEqual([
      `released the lock lock-of-${APP} on s3://${BUCKET}/${APP} left by an interrupted run of the same tfstate-move (pid ${DEAD_PID}, 2026-11-22T08:00:00.000Z)`,
      `released the lock lock-of-${NETWORK} on s3://${BUCKET}/${NETWORK} left by an interrupted run of the same tfstate-move (pid ${DEAD_PID}, 2026-11-22T08:00:00.000Z)`,
      `s3://${BUCKET}/${NETWORK} already holds this state (copied by an interrupted run)`,
      `digest ${md5Of(state('L1', 3))} of s3://${BUCKET}/${NETWORK} written to terraform-locks`,
      `removed the current version of s3://${BUCKET}/${APP} (its versions stay: npm run state -- versions / restore)`,
      `moved s3://${BUCKET}/${APP} to s3://${BUCKET}/${NETWORK}`,
    ]);
    expect(fake.history(BUCKET, NETWORK)).toEqual([`v2:${state('L1', 3)}`]);
    expect([...fake.items.keys()]).toEqual([`${BUCKET}/${NETWORK}-md5`]);
  });

  test('a move interrupted after the source was removed finishes: digest written, source digest removed', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('L1', 3));
    fake.put(BUCKET, APP, undefined);
    fake.put(BUCKET, NETWORK, state('L1', 3));
    fake.items.set(`${BUCKET}/${APP}-md5`, digestItem(APP, 'x'));
    const { run, said } = move(fake);
    await run;
    expect(said).toEqual([
      `s3://${BUCKET}/${APP} has no current version and s3://${BUCKET}/${NETWORK} holds its last one: the move was done up to the last steps`,
      `digest ${md5Of(state('L1', 3))} of s3://${BUCKET}/${NETWORK} written to terraform-locks`,
      `removed the digest item of s3://${BUCKET}/${APP}`,
      `moved s3://${BUCKET}/${APP} to s3://${BUCKET}/${NETWORK}`,
    ]);
    expect(fake.history(BUCKET, APP)).toEqual([`v1:${state('L1', 3)}`, 'v2:marker']);
    expect([...fake.items.keys()]).toEqual([`${BUCKET}/${NETWORK}-md5`]);
  });

  test('a source that cannot be read is an error, never "nothing to move"', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('L1', 3));
    fake.failNext('GetObjectCommand', awsError('AccessDenied', 403), `${BUCKET}/${APP}`);
    await expect(move(fake).run).rejects.toThrow('AccessDenied (fake)');
    expect(fake.history(BUCKET, NETWORK)).toEqual([]);
    expect(fake.items.size).toBe(0);
  });

  test('s3 locking: a refusal of its own live run names the lockfile and no table', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('L1', 3));
    fake.put(BUCKET, `${APP}.tflock`, JSON.stringify(moveLock(APP, process.pid)));
    await expect(move(fake, APP, NETWORK, BUCKET, configFrom({ TFSTATE_LOCKING: 's3' })).run).rejects.toThrow(
      new StateOperationError(
        `s3://${BUCKET}/${APP} is locked by ${ME} (ID lock-of-${APP}, tfstate-move); tfstate-move refused while a lock is held (if that run is dead, delete the lock: item "${BUCKET}/${APP}" of (no table) and/or the object ${APP}.tflock)`,
      ),
    );
  });

  test('a state written to the target meanwhile (by a run ignoring the lock) is never overwritten', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('L1', 3));
    fake.beforeSend = (call) => {
      if (call === `PutObject ${BUCKET}/${NETWORK}`) fake.put(BUCKET, NETWORK, state('NET', 1));
    };
    const { run, said } = move(fake);
    await expect(run).rejects.toThrow(
      new StateOperationError(
        `s3://${BUCKET}/${NETWORK} was written during the move by a run that ignores its lock; nothing was moved: check that state, then run the move again`,
      ),
    );
    expect(said).toEqual([]);
    expect(fake.history(BUCKET, NETWORK)).toEqual([`v2:${state('NET', 1)}`]);
    expect(fake.history(BUCKET, APP)).toEqual([`v1:${state('L1', 3)}`]);
    expect(fake.items.size).toBe(0);
  });

  test('a failure midway releases both locks, and the re-run finishes', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('L1', 3));
    fake.failNext('DeleteObjectCommand', awsError('InternalError', 500));
    await expect(move(fake).run).rejects.toThrow('InternalError (fake)');
    expect([...fake.items.keys()]).toEqual([`${BUCKET}/${NETWORK}-md5`]);
    const { run, said } = move(fake);
    await run;
    expect(said[0]).toBe(`s3://${BUCKET}/${NETWORK} already holds this state (copied by an interrupted run)`);
    expect(fake.history(BUCKET, APP)).toEqual([`v1:${state('L1', 3)}`, 'v3:marker']);
  });

  test.each([
    [
      'a Terraform run',
      { ...moveLock(APP, DEAD_PID), ID: 'tf-1', Operation: 'OperationTypeApply', Who: 'ci@runner-1' },
      '',
    ],
    [
      'a Terraform run of this user whose Info reads like this move',
      { ...moveLock(APP, DEAD_PID), ID: 'tf-2', Operation: 'OperationTypeApply' },
      '',
    ],
    ['the same move, still running', moveLock(APP, process.pid), 'hint'],
    ['the same move of another user', { ...moveLock(APP, DEAD_PID), Who: 'someone@elsewhere' }, 'hint'],
    [
      'another move, its process gone',
      moveLock(APP, DEAD_PID, `move s3://${BUCKET}/${APP} -> s3://${BUCKET}/other`),
      'hint',
    ],
    ['a lock with no pid', { ...moveLock(APP, DEAD_PID), Info: 'by hand' }, 'hint'],
    [
      'a lock whose Info only begins like its own',
      { ...moveLock(APP, DEAD_PID), Info: `${moveLock(APP, DEAD_PID).Info} by hand` },
      'hint',
    ],
  ])('a lock held by %s is refused, and left alone', async (_, info, hint) => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('L1', 3));
    fake.items.set(`${BUCKET}/${APP}`, lockItem(APP, info));
    const release = ` (if that run is dead, delete the lock: item "${BUCKET}/${APP}" of terraform-locks and/or the object ${APP}.tflock)`;
    await expect(move(fake).run).rejects.toThrow(
      new StateOperationError(
        `s3://${BUCKET}/${APP} is locked by ${info.Who} (ID ${info.ID}, ${info.Operation}); tfstate-move refused while a lock is held${hint ? release : ''}`,
      ),
    );
    expect([...fake.items.values()]).toEqual([lockItem(APP, info)]);
    expect(fake.history(BUCKET, NETWORK)).toEqual([]);
  });

  test('its own lock from a process of another user (kill answers EPERM) counts as alive', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('L1', 3));
    fake.items.set(`${BUCKET}/${APP}`, lockItem(APP, moveLock(APP, DEAD_PID)));
    const kill = jest.spyOn(process, 'kill').mockImplementation(() => {
      throw Object.assign(new Error('kill EPERM'), { code: 'EPERM' });
    });
    try {
      await expect(move(fake).run).rejects.toThrow(
        `s3://${BUCKET}/${APP} is locked by ${ME} (ID lock-of-${APP}, tfstate-move); tfstate-move refused while a lock is held`,
      );
    } finally {
      kill.mockRestore();
    }
  });

  test('a target locked between the look-up and the taking: the source lock just taken is released', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('L1', 3));
    fake.failNext('PutItemCommand', awsError('ConditionalCheckFailedException'), `${BUCKET}/${NETWORK}`);
    await expect(move(fake).run).rejects.toThrow(
      new StateOperationError(
        `s3://${BUCKET}/${NETWORK} is locked by another run; tfstate-move refused while a lock is held`,
      ),
    );
    expect(fake.items.size).toBe(0);
    expect(fake.calls.filter((call) => !call.startsWith('GetItem'))).toEqual([
      `PutItem ${BUCKET}/${APP}`,
      `PutItem ${BUCKET}/${NETWORK}`,
      `DeleteItem ${BUCKET}/${APP}`,
    ]);
  });

  /** The ID of the move's own lock still on `key` (a release failed). */
  const leftLockId = (fake: FakeAws, key: string) =>
    (JSON.parse(fake.items.get(`${BUCKET}/${key}`)!.Info!.S!) as LockInfo).ID;

  test('a target locked meanwhile, and the source lock cannot be released: one line names the refusal and the lock left behind', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('L1', 3));
    fake.failNext('PutItemCommand', awsError('ConditionalCheckFailedException'), `${BUCKET}/${NETWORK}`);
    fake.failNext('DeleteItemCommand', awsError('ThrottlingException', 400), `${BUCKET}/${APP}`);
    const failure = await move(fake).run.catch((error: unknown) => error);
    expect(failure).toEqual(
      new StateOperationError(
        `s3://${BUCKET}/${NETWORK} is locked by another run; tfstate-move refused while a lock is held; releasing the lock failed too: item "${BUCKET}/${APP}" of terraform-locks left behind with lock ID ${leftLockId(fake, APP)} (ThrottlingException: ThrottlingException (fake)): delete it once AWS answers again`,
      ),
    );
    expect([...fake.items.keys()]).toEqual([`${BUCKET}/${APP}`]);
  });

  test('a failure midway whose release fails too: both in one line; every lock is tried, the one released is gone', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('L1', 3));
    fake.failNext('DeleteObjectCommand', awsError('InternalError', 500));
    fake.failNext('DeleteItemCommand', awsError('ThrottlingException', 400), `${BUCKET}/${NETWORK}`);
    const failure = await move(fake).run.catch((error: unknown) => error);
    expect(failure).toEqual(
      new StateOperationError(
        `InternalError: InternalError (fake); releasing the lock failed too: item "${BUCKET}/${NETWORK}" of terraform-locks left behind with lock ID ${leftLockId(fake, NETWORK)} (ThrottlingException: ThrottlingException (fake)): delete it once AWS answers again`,
      ),
    );
    expect([...fake.items.keys()].sort()).toEqual([`${BUCKET}/${NETWORK}`, `${BUCKET}/${NETWORK}-md5`]);
  });

  test('both releases failing after the work is done: the line says the move is done, then names each lock left behind, the target first', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('L1', 3));
    fake.failNext('DeleteItemCommand', awsError('ThrottlingException', 400), `${BUCKET}/${NETWORK}`);
    fake.failNext('DeleteItemCommand', awsError('AccessDenied', 403), `${BUCKET}/${APP}`);
    const { run, said } = move(fake);
    const failure = await run.catch((error: unknown) => error);
    expect(failure).toEqual(
      new StateOperationError(
        `moved s3://${BUCKET}/${APP} to s3://${BUCKET}/${NETWORK}, but releasing the lock failed: item "${BUCKET}/${NETWORK}" of terraform-locks left behind with lock ID ${leftLockId(fake, NETWORK)} (ThrottlingException: ThrottlingException (fake)): delete it once AWS answers again; item "${BUCKET}/${APP}" of terraform-locks left behind with lock ID ${leftLockId(fake, APP)} (AccessDenied: AccessDenied (fake)): delete it once AWS answers again`,
      ),
    );
    expect(said).not.toContain(`moved s3://${BUCKET}/${APP} to s3://${BUCKET}/${NETWORK}`);
  });

  test('a source whose current version is "null" in a bucket with versioning suspended: refused before the copy, nothing written', async () => {
    const fake = new FakeAws();
    fake.versioning.set(BUCKET, 'Suspended');
    fake.put(BUCKET, APP, state('L1', 3));
    await expect(move(fake).run).rejects.toThrow(
      new StateOperationError(
        `s3://${BUCKET}/${APP}: the bucket's versioning is suspended and the current version has no version of its own (id "null"), so the move would destroy it for good instead of keeping it in the history; enable the bucket's versioning again (npm run deploy -- bootstrap), then run this again`,
      ),
    );
    expect(fake.history(BUCKET, APP)).toEqual([`null:${state('L1', 3)}`]);
    expect(fake.history(BUCKET, NETWORK)).toEqual([]);
    expect(fake.items.size).toBe(0);
  });

  test('finishing an interrupted move in a bucket now suspended: nothing of the source is deleted, so nothing is refused', async () => {
    const fake = new FakeAws();
    // The source was written while versioning was suspended, deleted by the interrupted move while it was enabled.
    fake.versioning.set(BUCKET, 'Suspended');
    fake.put(BUCKET, APP, state('L1', 3));
    fake.versioning.delete(BUCKET);
    fake.put(BUCKET, APP, undefined);
    fake.put(BUCKET, NETWORK, state('L1', 3));
    fake.versioning.set(BUCKET, 'Suspended');
    const { run, said } = move(fake);
    await run;
    expect(said[0]).toBe(
      `s3://${BUCKET}/${APP} has no current version and s3://${BUCKET}/${NETWORK} holds its last one: the move was done up to the last steps`,
    );
    expect(fake.calls).not.toContain(`GetBucketVersioning ${BUCKET}/`);
  });

  test('s3 locking: the locks are lockfiles, no digest is written', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('L1', 3));
    const { run, said } = move(fake, APP, NETWORK, BUCKET, configFrom({ TFSTATE_LOCKING: 's3' }));
    await run;
    expect(said).toEqual([
      `copied s3://${BUCKET}/${APP} to s3://${BUCKET}/${NETWORK} (${state('L1', 3).length} bytes, serial 3)`,
      `removed the current version of s3://${BUCKET}/${APP} (its versions stay: npm run state -- versions / restore)`,
      `moved s3://${BUCKET}/${APP} to s3://${BUCKET}/${NETWORK}`,
    ]);
    expect(fake.items.size).toBe(0);
    expect(fake.history(BUCKET, `${APP}.tflock`)).toHaveLength(2);
    expect(fake.history(BUCKET, `${NETWORK}.tflock`)).toHaveLength(2);
  });

  test('s3 locking, the same key into another bucket, both lockfiles left behind: each is named with its bucket', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('L1', 3));
    fake.failNext('DeleteObjectCommand', awsError('AccessDenied', 403), `other-bucket/${APP}.tflock`);
    fake.failNext('DeleteObjectCommand', awsError('AccessDenied', 403), `${BUCKET}/${APP}.tflock`);
    const failure = await move(fake, APP, APP, 'other-bucket', configFrom({ TFSTATE_LOCKING: 's3' })).run.catch(
      (error: unknown) => error,
    );
    const lockId = (bucket: string) =>
      (JSON.parse(fake.objects.get(`${bucket}/${APP}.tflock`)![0].body!) as LockInfo).ID;
    expect(failure).toEqual(
      new StateOperationError(
        `moved s3://${BUCKET}/${APP} to s3://other-bucket/${APP}, but releasing the lock failed: the object s3://other-bucket/${APP}.tflock left behind with lock ID ${lockId('other-bucket')} (AccessDenied: AccessDenied (fake)): delete it once AWS answers again; the object s3://${BUCKET}/${APP}.tflock left behind with lock ID ${lockId(BUCKET)} (AccessDenied: AccessDenied (fake)): delete it once AWS answers again`,
      ),
    );
  });

  test('a stale lockfile of its own is deleted and taken anew', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('L1', 3));
    fake.put(BUCKET, `${APP}.tflock`, JSON.stringify(moveLock(APP, DEAD_PID)));
    const { run, said } = move(fake, APP, NETWORK, BUCKET, configFrom({ TFSTATE_LOCKING: 's3' }));
    await run;
    expect(said[0]).toBe(
      `released the lock lock-of-${APP} on s3://${BUCKET}/${APP} left by an interrupted run of the same tfstate-move (pid ${DEAD_PID}, 2026-11-22T08:00:00.000Z)`,
    );
    expect(fake.history(BUCKET, `${APP}.tflock`).map((entry) => entry.endsWith('marker'))).toEqual([
      false,
      true,
      false,
      true,
    ]);
  });

  test('a stale table lock replaced by another run meanwhile is not deleted', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, APP, state('L1', 3));
    fake.items.set(`${BUCKET}/${APP}`, lockItem(APP, moveLock(APP, DEAD_PID)));
    fake.failNext('DeleteItemCommand', awsError('ConditionalCheckFailedException'));
    await expect(move(fake).run).rejects.toThrow('ConditionalCheckFailedException (fake)');
    expect([...fake.items.keys()]).toEqual([`${BUCKET}/${APP}`]);
  });
});
