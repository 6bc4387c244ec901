// The state lock, taken and read the way Terraform takes and reads it: the DynamoDB table's item and/or the S3
// lockfile, by the locking mode. Who holds it (and how to release it), taking it for an operation of ours, and
// holding it while the operation works.
import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { DeleteItemCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { lockfileKey, lockItemId } from '../config/naming';
import type { BackendConfig } from '../config/types';
import { errorLine } from '../errors';
import { encryption, type ObjectVersion, readObject } from './bucket';
import { lockItems } from './lock-table';
import { type StateClients, StateOperationError, type StateRef, stateUrl } from './operation';
import { printable } from './printable';

/** The lock record Terraform writes (statemgr.LockInfo), in the DynamoDB item's Info and in the .tflock object. */
export interface LockInfo {
  readonly ID: string;
  readonly Operation: string;
  readonly Info: string;
  readonly Who: string;
  readonly Version: string;
  readonly Created: string;
  readonly Path: string;
}

export interface HeldLock {
  /** Where the lock was found: the DynamoDB table or the S3 lockfile. */
  readonly source: 'dynamodb' | 's3';
  readonly info: LockInfo;
}

/** The ID shown for a lock record that is not Terraform's JSON. */
const UNKNOWN_LOCK_ID = '(unknown: the lock record is not JSON)';

/**
 * The lock record; a lock whose content is not Terraform's JSON (written by hand or by another tool) still
 * counts as held, with an unknown ID and the start of its raw text as its Info.
 */
export function parseLockInfo(text: string): LockInfo {
  let parsed: Partial<LockInfo>;
  try {
    // A JSON value that is no object has none of the fields (field() reads only strings); null has no fields to read.
    parsed = ((JSON.parse(text) as unknown) ?? {}) as Partial<LockInfo>;
  } catch {
    parsed = { ID: UNKNOWN_LOCK_ID, Info: JSON.stringify(text.slice(0, 80)) };
  }
  const field = (name: keyof LockInfo) => (typeof parsed[name] === 'string' ? (parsed[name] as string) : '');
  return {
    ID: field('ID'),
    Operation: field('Operation'),
    Info: field('Info'),
    Who: field('Who'),
    Version: field('Version'),
    Created: field('Created'),
    Path: field('Path'),
  };
}

/** One line per lock, and the command that releases it. */
export function describeLock(lock: HeldLock, stackDir: string): string {
  const { info } = lock;
  const where = lock.source === 'dynamodb' ? 'lock table item' : 'S3 lockfile';
  const release =
    info.ID === UNKNOWN_LOCK_ID
      ? `  the record is not Terraform's (Info=${info.Info}), so terraform force-unlock cannot name it: once no run holds it, delete the ${where} by hand`
      : `  if that run is really gone, release it with: (cd ${stackDir} && terraform force-unlock -force ${info.ID})`;
  // Whoever may take a lock writes its record: printed raw, it could rewrite the operator's terminal.
  return [
    `locked (${where}): ID=${info.ID} Who=${info.Who} Operation=${info.Operation} Created=${info.Created} Path=${info.Path}`,
    release,
  ]
    .map(printable)
    .join('\n');
}

/** The locks of one key from what its two places hold: the table item's Info and the lockfile's text. */
function heldLocks(itemInfo: string | undefined, lockfileText: string | undefined): HeldLock[] {
  return [
    ...(itemInfo === undefined ? [] : [{ source: 'dynamodb' as const, info: parseLockInfo(itemInfo) }]),
    ...(lockfileText === undefined ? [] : [{ source: 's3' as const, info: parseLockInfo(lockfileText) }]),
  ];
}

/** Every lock currently held on the state key, in the places the locking mode uses. */
export async function findLocks(clients: StateClients, config: BackendConfig, key: string): Promise<HeldLock[]> {
  const item =
    config.lockTable === undefined
      ? undefined
      : await clients.dynamodb.send(
          new GetItemCommand({
            TableName: config.lockTable,
            Key: { LockID: { S: lockItemId(config.bucket, key) } },
            ConsistentRead: true,
          }),
        );
  const lockfile =
    config.locking === 'dynamodb' ? undefined : await readObject(clients.s3, config.bucket, lockfileKey(key));
  return heldLocks(item?.Item?.Info?.S, lockfile);
}

/**
 * The locks of many keys at once, for a listing of the whole bucket: one scan of the lock table, and a read of
 * only those lockfiles that `listing` (the bucket's versions) shows as current, not a look-up per key.
 */
export async function findLocksOfKeys(
  clients: StateClients,
  config: BackendConfig,
  keys: readonly string[],
  listing: readonly ObjectVersion[],
): Promise<Map<string, HeldLock[]>> {
  const items = config.lockTable === undefined ? new Map() : await lockItems(clients.dynamodb, config.lockTable);
  const current = new Set(listing.filter((version) => version.isLatest && !version.deleteMarker).map((v) => v.key));
  const locks = new Map<string, HeldLock[]>();
  for (const key of keys) {
    const lockfile =
      config.locking !== 'dynamodb' && current.has(lockfileKey(key))
        ? await readObject(clients.s3, config.bucket, lockfileKey(key))
        : undefined;
    locks.set(key, heldLocks(items.get(lockItemId(config.bucket, key))?.Info, lockfile));
  }
  return locks;
}

/** A lock of our own, written exactly as Terraform writes its own, so Terraform runs wait for the operation. */
export function operationLockInfo(bucket: string, key: string, operation: string, info = ''): LockInfo {
  return {
    ID: randomUUID(),
    Operation: operation,
    Info: info,
    Who: `${userInfo().username}@${hostname()}`,
    Version: '',
    Created: new Date().toISOString(),
    Path: `${bucket}/${key}`,
  };
}

/** Takes back something done (a lock part written, a lock taken); throws a StateOperationError saying what it left behind. */
type Undo = () => Promise<void>;

/**
 * Takes the lock of `key` in `config.bucket` the way Terraform does (conditional put of the table item and/or
 * the lockfile); returns the release. Fails with a StateOperationError when someone else holds it.
 */
export async function acquire(
  clients: StateClients,
  config: BackendConfig,
  key: string,
  info: LockInfo,
): Promise<Undo> {
  const state = `s3://${config.bucket}/${key}`;
  const taken: Undo[] = [];
  const release = () => undoAll(taken);
  const parts = lockParts(clients, config, key, info);
  try {
    if (config.lockTable !== undefined) {
      await clients.dynamodb.send(
        new PutItemCommand({
          TableName: config.lockTable,
          Item: { LockID: { S: lockItemId(config.bucket, key) }, Info: { S: JSON.stringify(info) } },
          ConditionExpression: 'attribute_not_exists(LockID)',
        }),
      );
      taken.push(parts.dynamodb);
    }
    if (config.locking !== 'dynamodb') {
      await clients.s3.send(
        new PutObjectCommand({
          Bucket: config.bucket,
          Key: lockfileKey(key),
          Body: JSON.stringify(info),
          IfNoneMatch: '*',
          ...encryption(config),
        }),
      );
      taken.push(parts.s3);
    }
  } catch (error) {
    const failure = `${info.Operation} could not lock ${state} (${errorLine(error)})`;
    await undoOrSay(failure, release);
    const name = (error as { name?: string }).name;
    // S3 answers a conditional write that races a delete of the same key (a lock being released) with 409.
    if (
      name === 'ConditionalCheckFailedException' ||
      name === 'PreconditionFailed' ||
      name === 'ConditionalRequestConflict'
    ) {
      const locks = await findLocks(clients, config, key);
      // The SDK retries a write that timed out or met a 5xx; when the first attempt went through after all, the
      // retry is refused by this run's own lock, which would block every later run: undo it and say so.
      const own = locks.filter((lock) => lock.info.ID === info.ID);
      if (own.length > 0) {
        await undoOrSay(failure, () => undoAll(own.map((lock) => parts[lock.source])));
        throw new StateOperationError(
          `${info.Operation} could not lock ${state}: a write that failed had gone through after all (its retry found this run's lock ID ${info.ID}); undone, run again`,
        );
      }
      const holder = locks[0]?.info;
      throw new StateOperationError(
        `${state} is locked by ${holder ? `${holder.Who} (ID ${holder.ID}, ${holder.Operation})` : 'another run'}; ${info.Operation} refused while a lock is held`,
      );
    }
    throw error;
  }
  return release;
}

/** The two writes a lock may be made of, each as its undo, which names the part it leaves behind should it fail. */
function lockParts(
  clients: StateClients,
  config: BackendConfig,
  key: string,
  info: LockInfo,
): Record<HeldLock['source'], Undo> {
  const LockID = { S: lockItemId(config.bucket, key) };
  const Key = lockfileKey(key);
  const undo =
    (what: string, send: () => Promise<unknown>): Undo =>
    async () => {
      try {
        await send();
      } catch (error) {
        throw new StateOperationError(
          `${what} left behind with lock ID ${info.ID} (${errorLine(error)}): delete it once AWS answers again`,
        );
      }
    };
  return {
    dynamodb: undo(`item "${LockID.S}" of ${config.lockTable}`, () =>
      clients.dynamodb.send(new DeleteItemCommand({ TableName: config.lockTable, Key: { LockID } })),
    ),
    s3: undo(`the object s3://${config.bucket}/${Key}`, () =>
      clients.s3.send(new DeleteObjectCommand({ Bucket: config.bucket, Key })),
    ),
  };
}

/** Runs every undo, the last done first, each one even when another fails; the failures become one line. */
async function undoAll(undos: readonly Undo[]): Promise<void> {
  const failures: string[] = [];
  for (const undo of [...undos].reverse()) {
    try {
      await undo();
    } catch (error) {
      failures.push(errorLine(error));
    }
  }
  if (failures.length > 0) throw new StateOperationError(failures.join('; '));
}

/**
 * Undoes after a failure. When the undo fails too, the user must hear both: why the work failed, and what is
 * left behind (a lock left under this run's ID blocks every later run until deleted). Returns when the undo
 * went through, and the caller goes on to report the failure its own way.
 */
async function undoOrSay(failure: string, undo: Undo): Promise<void> {
  try {
    await undo();
  } catch (error) {
    throw new StateOperationError(`${failure}; releasing the lock failed too: ${errorLine(error)}`);
  }
}

/**
 * Runs `work` while a lock is held and releases the lock after it, also when the work fails (naming both failures
 * when both fail). When only the release fails, the line starts with `done`: the work went through, and a user
 * told only of the lock left behind would take the operation as failed and run it again.
 */
export async function whileHolding<T>(release: Undo, done: string, work: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await undoOrSay(errorLine(error), release);
    throw error;
  }
  try {
    await release();
  } catch (error) {
    throw new StateOperationError(`${done}, but releasing the lock failed: ${errorLine(error)}`);
  }
  return result;
}

/** Whether a process of this machine is still running (one of another user's counts: it is not gone). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the locks of every ref, in order, for `operation` (move, delete). A lock left behind by an earlier run of
 * this very operation (same Operation and Info, same user and machine, its process gone: it was killed) is released
 * first and taken anew: that is what makes a re-run finish the job. Any other holder, a run still alive included,
 * is refused. The refs' buckets share the lock table and key alias of `config`.
 */
export async function lockAll(
  clients: StateClients,
  config: BackendConfig,
  refs: readonly StateRef[],
  operation: string,
  description: string,
  say: (line: string) => void,
): Promise<Undo> {
  const inBucket = (ref: StateRef): BackendConfig => ({ ...config, bucket: ref.bucket });
  const mine = (ref: StateRef) =>
    operationLockInfo(ref.bucket, ref.key, operation, `${description} (pid ${process.pid})`);
  for (const ref of refs) {
    for (const lock of await findLocks(clients, inBucket(ref), ref.key)) {
      const pid =
        lock.info.Operation === operation && lock.info.Who === mine(ref).Who
          ? /^(.*) \(pid (\d+)\)$/.exec(lock.info.Info)
          : null;
      if (pid === null || pid[1] !== description || processAlive(Number(pid[2]))) {
        const holder = `${stateUrl(ref)} is locked by ${lock.info.Who} (ID ${lock.info.ID}, ${lock.info.Operation})`;
        const release = `if that run is dead, delete the lock: item "${lockItemId(ref.bucket, ref.key)}" of ${config.lockTable ?? '(no table)'} and/or the object ${lockfileKey(ref.key)}`;
        throw new StateOperationError(
          `${holder}; ${operation} refused while a lock is held${lock.info.Operation === operation ? ` (${release})` : ''}`,
        );
      }
      await releaseStale(clients, config, ref, lock);
      say(
        `released the lock ${lock.info.ID} on ${stateUrl(ref)} left by an interrupted run of the same ${operation} (pid ${pid[2]}, ${lock.info.Created})`,
      );
    }
  }
  const releases: Undo[] = [];
  const releaseAll = () => undoAll(releases);
  try {
    for (const ref of refs) releases.push(await acquire(clients, inBucket(ref), ref.key, mine(ref)));
  } catch (error) {
    await undoOrSay(errorLine(error), releaseAll);
    throw error;
  }
  return releaseAll;
}

/** Removes exactly that stale lock: the table item only while it still holds the same lock info. */
async function releaseStale(
  clients: StateClients,
  config: BackendConfig,
  ref: StateRef,
  lock: HeldLock,
): Promise<void> {
  if (lock.source === 'dynamodb') {
    await clients.dynamodb.send(
      new DeleteItemCommand({
        TableName: config.lockTable,
        Key: { LockID: { S: lockItemId(ref.bucket, ref.key) } },
        ConditionExpression: 'Info = :info',
        ExpressionAttributeValues: { ':info': { S: JSON.stringify(lock.info) } },
      }),
    );
  } else {
    await clients.s3.send(new DeleteObjectCommand({ Bucket: ref.bucket, Key: lockfileKey(ref.key) }));
  }
}
