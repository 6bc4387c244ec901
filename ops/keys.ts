// Operating state per key: list every state in the bucket, move one to another key (or bucket), delete one.
// Each step is safe to repeat: a run that died midway is finished by running the same command again, and
// every operation reports what it did. Clients are parameters (AWS or the emulator, or a test's wrapper).
import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { digestLockId, lockfileKey, lockItemId } from '../config/naming';
import type { BackendConfig } from '../config/types';
import { errorLine, httpStatus } from '../errors';
import { printable } from './printable';
import {
  acquire,
  encryption,
  findLocks,
  type HeldLock,
  isMissing,
  listObjectVersions,
  listStateVersions,
  md5Hex,
  type ObjectVersion,
  operationLockInfo,
  requireKeptInHistory,
  type StateClients,
  StateOperationError,
  type Undo,
  undoAll,
  undoOrSay,
  whileHolding,
} from './state';

/** One state key of the bucket, as `list` shows it. */
export interface StateKeySummary {
  readonly key: string;
  /** Size and time of the current version; undefined when the key is deleted (only history left). */
  readonly current: { readonly size: number; readonly lastModified: Date } | undefined;
  /** Versions of the object (delete markers not counted). */
  readonly versions: number;
  readonly locks: readonly HeldLock[];
}

/** Where a state object lives. */
interface StateRef {
  readonly bucket: string;
  readonly key: string;
}

const url = (ref: StateRef) => `s3://${ref.bucket}/${printable(ref.key)}`;

/** Keys that are not states: Terraform's lockfiles and the kOps store's files. */
function isStateKey(config: BackendConfig, key: string): boolean {
  return !key.endsWith('.tflock') && !key.startsWith(`${config.kopsPrefix}/`);
}

/** Every state key of the bucket (deleted ones too, while their history lasts), with its lock. */
export async function listStates(
  clients: StateClients,
  config: BackendConfig,
  onPage?: (listed: number) => void,
): Promise<StateKeySummary[]> {
  const byKey = new Map<string, ObjectVersion[]>();
  for (const version of await listObjectVersions(clients.s3, config.bucket, undefined, onPage)) {
    if (isStateKey(config, version.key)) byKey.set(version.key, [...(byKey.get(version.key) ?? []), version]);
  }
  const summaries: StateKeySummary[] = [];
  for (const [key, versions] of [...byKey].sort(([a], [b]) => a.localeCompare(b))) {
    const latest = versions.find((version) => version.isLatest);
    summaries.push({
      key,
      current: latest && !latest.deleteMarker ? { size: latest.size, lastModified: latest.lastModified } : undefined,
      versions: versions.filter((version) => !version.deleteMarker).length,
      locks: await findLocks(clients, config, key),
    });
  }
  return summaries;
}

/** The current version's text, or undefined when the key has none (never written, or deleted). */
async function readCurrent(s3: S3Client, ref: StateRef): Promise<string | undefined> {
  try {
    return await (await s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }))).Body!.transformToString();
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/** The text of the newest version of a key that has no current one (deleted), or undefined when it has none. */
async function lastVersionText(s3: S3Client, ref: StateRef): Promise<string | undefined> {
  const [newest] = await listStateVersions(s3, ref.bucket, ref.key);
  if (newest === undefined) return undefined;
  return (
    await s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key, VersionId: newest.versionId }))
  ).Body!.transformToString();
}

/** The backend settings of another bucket served by the same lock table and key alias. */
function inBucket(config: BackendConfig, bucket: string): BackendConfig {
  return { ...config, bucket };
}

/**
 * Refuses a target bucket that does not exist (a move does not create it): otherwise S3's NoSuchBucket reads
 * as the state bucket missing. Denied (HeadBucket needs s3:ListBucket) is left to the writes to decide.
 */
async function requireBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (isMissing(error))
      throw new StateOperationError(`s3://${bucket}: no such bucket (a move does not create its target bucket)`);
    if (httpStatus(error) !== 403) throw error;
  }
}

/** Whether a process of this machine is still running. */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the locks of every ref, in order. A lock left behind by an earlier run of this very operation (same
 * Operation and Info, same user and machine, its process gone: it was killed) is released first and taken
 * anew: that is what makes a re-run finish the job. Any other holder, a run still alive included, is refused.
 */
async function lockAll(
  clients: StateClients,
  config: BackendConfig,
  refs: readonly StateRef[],
  operation: string,
  description: string,
  say: (line: string) => void,
): Promise<Undo> {
  const mine = (ref: StateRef) =>
    operationLockInfo(ref.bucket, ref.key, operation, `${description} (pid ${process.pid})`);
  for (const ref of refs) {
    for (const lock of await findLocks(clients, inBucket(config, ref.bucket), ref.key)) {
      // Stryker disable next-line Regex: equivalent, without "^" the leftmost match still starts at the start ("(.*)" matches from there)
      const pid =
        lock.info.Operation === operation && lock.info.Who === mine(ref).Who
          ? /^(.*) \(pid (\d+)\)$/.exec(lock.info.Info)
          : null;
      if (pid === null || pid[1] !== description || processAlive(Number(pid[2]))) {
        const holder = `${url(ref)} is locked by ${lock.info.Who} (ID ${lock.info.ID}, ${lock.info.Operation})`;
        const release = `if that run is dead, delete the lock: item "${lockItemId(ref.bucket, ref.key)}" of ${config.lockTable ?? '(no table)'} and/or the object ${lockfileKey(ref.key)}`;
        throw new StateOperationError(
          `${holder}; ${operation} refused while a lock is held${lock.info.Operation === operation ? ` (${release})` : ''}`,
        );
      }
      await releaseStale(clients, config, ref, lock);
      say(
        `released the lock ${lock.info.ID} on ${url(ref)} left by an interrupted run of the same ${operation} (pid ${pid[2]}, ${lock.info.Created})`,
      );
    }
  }
  const releases: Undo[] = [];
  const releaseAll = () => undoAll(releases);
  try {
    for (const ref of refs) releases.push(await acquire(clients, inBucket(config, ref.bucket), ref.key, mine(ref)));
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

async function writeDigest(clients: StateClients, table: string, ref: StateRef, text: string): Promise<void> {
  await clients.dynamodb.send(
    new PutItemCommand({
      TableName: table,
      Item: { LockID: { S: digestLockId(ref.bucket, ref.key) }, Digest: { S: md5Hex(text) } },
    }),
  );
}

/** Deletes the digest item; true when there was one. */
async function deleteDigest(clients: StateClients, config: BackendConfig, ref: StateRef): Promise<boolean> {
  if (config.lockTable === undefined) return false;
  const result = await clients.dynamodb.send(
    new DeleteItemCommand({
      TableName: config.lockTable,
      Key: { LockID: { S: digestLockId(ref.bucket, ref.key) } },
      ReturnValues: 'ALL_OLD',
    }),
  );
  return result.Attributes !== undefined;
}

/**
 * Versions per DeleteObjects request. S3 takes up to 1000, but moto spent 76 s on 1000 versions of one key (its
 * cost grows with the key's versions), and a request that long outlives any timeout that still tells a silent
 * endpoint from a slow one.
 */
export const DELETE_BATCH = 250;

/** Deletes exactly the given versions and delete markers for good (by version id), reporting the count done after each batch. */
export async function deleteObjectVersions(
  s3: S3Client,
  bucket: string,
  versions: readonly ObjectVersion[],
  onBatch: (deleted: number) => void = () => {},
): Promise<void> {
  for (let i = 0; i < versions.length; i += DELETE_BATCH) {
    const batch = versions.slice(i, i + DELETE_BATCH).map((v) => ({ Key: v.key, VersionId: v.versionId }));
    const result = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } }));
    if (result.Errors && result.Errors.length > 0) {
      throw new StateOperationError(
        `could not delete ${result.Errors.length} object version(s) from ${bucket}: ${result.Errors[0].Code} ${printable(result.Errors[0].Key ?? '')}`,
      );
    }
    onBatch(i + batch.length);
  }
}

export const MOVE_OPERATION = 'tfstate-move';
export const DELETE_OPERATION = 'tfstate-delete';

/**
 * Moves the current state of `from` to `to` (in `toBucket`, same lock table and key alias), under both locks:
 * copy, digest of the copy, then the source's current version is removed (a delete marker: its history
 * stays) and its digest item. Refuses when the target holds another state or either key is locked. Re-run
 * after a crash, it recognizes its own locks and a copy already made, and does only what is left.
 */
export async function moveState(
  clients: StateClients,
  config: BackendConfig,
  from: string,
  to: string,
  toBucket: string,
  say: (line: string) => void,
): Promise<void> {
  const source = { bucket: config.bucket, key: from };
  const target = { bucket: toBucket, key: to };
  if (url(source) === url(target)) throw new StateOperationError(`${url(source)}: source and target are the same`);
  if (target.bucket !== config.bucket) await requireBucket(clients.s3, target.bucket);
  const release = await lockAll(
    clients,
    config,
    [source, target],
    MOVE_OPERATION,
    `move ${url(source)} -> ${url(target)}`,
    say,
  );
  await whileHolding(release, `moved ${url(source)} to ${url(target)}`, async () => {
    const text = await readCurrent(clients.s3, source);
    const existing = await readCurrent(clients.s3, target);
    // Checked before the copy, so a refused move leaves nothing behind; the newest version is the current one here.
    if (text !== undefined)
      await requireKeptInHistory(
        clients.s3,
        source.bucket,
        (await listStateVersions(clients.s3, source.bucket, source.key))[0],
        'the move',
      );
    if (text === undefined) {
      // Only a source whose last version is the target's state was moved by an interrupted run (not a typo).
      // Stryker disable next-line ConditionalExpression: saves a read only; without a target copy the outcome is the same refusal
      const last = existing === undefined ? undefined : await lastVersionText(clients.s3, source);
      // Stryker disable next-line ConditionalExpression: equivalent, last is undefined whenever existing is; the test says what is meant
      if (existing === undefined || last === undefined)
        throw new StateOperationError(`${url(source)} has no current state to move (see: npm run state -- list)`);
      if (md5Hex(last) !== md5Hex(existing))
        throw new StateOperationError(
          `${url(source)} has no current state, and ${url(target)} holds another state than its last version: no move to finish`,
        );
      say(
        `${url(source)} has no current version and ${url(target)} holds its last one: the move was done up to the last steps`,
      );
    } else if (existing === undefined) {
      const sameBucket = target.bucket === config.bucket;
      // Another bucket gets its own default encryption; IfNoneMatch: never overwrite a state that appeared meanwhile.
      try {
        await clients.s3.send(
          new PutObjectCommand({
            Bucket: target.bucket,
            Key: target.key,
            Body: text,
            ContentType: 'application/json',
            IfNoneMatch: '*',
            ...(sameBucket ? encryption(config) : {}),
          }),
        );
      } catch (error) {
        if ((error as { name?: string }).name !== 'PreconditionFailed') throw error;
        throw new StateOperationError(
          `${url(target)} was written during the move by a run that ignores its lock; nothing was moved: check that state, then run the move again`,
        );
      }
      say(`copied ${url(source)} to ${url(target)} (${Buffer.byteLength(text)} bytes, serial ${serialOf(text)})`);
    } else if (md5Hex(existing) === md5Hex(text)) {
      say(`${url(target)} already holds this state (copied by an interrupted run)`);
    } else {
      throw new StateOperationError(
        `${url(target)} already holds another state (serial ${serialOf(existing)}); move refused (delete it first, or pick another key)`,
      );
    }
    const moved = text ?? existing!;
    if (config.lockTable !== undefined) {
      await writeDigest(clients, config.lockTable, target, moved);
      say(`digest ${md5Hex(moved)} of ${url(target)} written to ${config.lockTable}`);
    }
    if (text !== undefined) {
      await clients.s3.send(new DeleteObjectCommand({ Bucket: source.bucket, Key: source.key }));
      say(`removed the current version of ${url(source)} (its versions stay: npm run state -- versions / restore)`);
    }
    if (await deleteDigest(clients, config, source)) say(`removed the digest item of ${url(source)}`);
  });
  say(`moved ${url(source)} to ${url(target)}`);
}

/**
 * Deletes a state: its current version (a delete marker, so `restore` can bring it back), its digest item and
 * any lockfile, under its lock. With `purge`, every version of the state and its lockfile is deleted for good.
 */
export async function deleteState(
  clients: StateClients,
  config: BackendConfig,
  key: string,
  purge: boolean,
  say: (line: string) => void,
): Promise<void> {
  const ref = { bucket: config.bucket, key };
  const release = await lockAll(
    clients,
    config,
    [ref],
    DELETE_OPERATION,
    `delete ${url(ref)}${purge ? ' --purge' : ''}`,
    say,
  );
  const keyVersions = async (name: string) =>
    (await listObjectVersions(clients.s3, config.bucket, name)).filter((version) => version.key === name);
  await whileHolding(release, `deleted ${url(ref)}${purge ? ' and purged its versions' : ''}`, async () => {
    const versions = await keyVersions(key);
    const latest = versions.find((version) => version.isLatest);
    // --purge deletes every version anyway; a plain delete promises that restore can bring the state back.
    if (!purge) await requireKeptInHistory(clients.s3, config.bucket, latest, 'the delete');
    if (latest && !latest.deleteMarker) {
      await clients.s3.send(new DeleteObjectCommand({ Bucket: config.bucket, Key: key }));
      say(`removed the current version of ${url(ref)}`);
    } else {
      say(`${url(ref)} has no current version (already deleted)`);
    }
    if (await deleteDigest(clients, config, ref)) say(`removed the digest item of ${url(ref)}`);
    if (purge) {
      const all = await keyVersions(key);
      await deleteObjectVersions(clients.s3, config.bucket, all);
      say(`purged ${all.length} version(s) and delete marker(s) of ${url(ref)}: nothing of it is left to restore`);
    }
  });
  // After the release: our own lock, under s3 locking, was a lockfile version too.
  const lockfile = lockfileKey(key);
  const lockfileVersions = await keyVersions(lockfile);
  const leftover = lockfileVersions.find((version) => version.isLatest && !version.deleteMarker);
  if (purge && lockfileVersions.length > 0) {
    await deleteObjectVersions(clients.s3, config.bucket, lockfileVersions);
    say(`purged ${lockfileVersions.length} version(s) of the lockfile ${lockfile}`);
  } else if (leftover) {
    await clients.s3.send(new DeleteObjectCommand({ Bucket: config.bucket, Key: lockfile }));
    say(`removed the lockfile ${lockfile}`);
  }
  if (!purge) say(`deleted ${url(ref)}; its history stays: npm run state -- versions / restore`);
}

function serialOf(text: string): string {
  try {
    return String((JSON.parse(text) as { serial?: unknown }).serial ?? '?');
  } catch {
    return '?';
  }
}
