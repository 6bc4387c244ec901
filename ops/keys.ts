// Operating state per key: list every state in the bucket, move one to another key (or bucket), delete one.
// Each step is safe to repeat: a run that died midway is finished by running the same command again, and
// every operation reports what it did.
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { lockfileKey } from '../config/naming';
import type { BackendConfig } from '../config/types';
import {
  bucketExists,
  deleteObjectVersions,
  encryption,
  keyVersions,
  listObjectVersions,
  listStateVersions,
  type ObjectVersion,
  readObject,
  requireKeptInHistory,
} from './bucket';
import { deleteDigest, md5Hex, writeDigest } from './lock-table';
import { findLocksOfKeys, type HeldLock, lockAll, whileHolding } from './locks';
import { type StateClients, StateOperationError, type StateRef, stateUrl as url } from './operation';

/** One state key of the bucket, as `list` shows it. */
export interface StateKeySummary {
  readonly key: string;
  /** Size and time of the current version; undefined when the key is deleted (only history left). */
  readonly current: { readonly size: number; readonly lastModified: Date } | undefined;
  /** Versions of the object (delete markers not counted). */
  readonly versions: number;
  readonly locks: readonly HeldLock[];
}

/** Keys that are not states: Terraform's lockfiles and the kOps store's files. */
function isStateKey(config: BackendConfig, key: string): boolean {
  return !key.endsWith('.tflock') && !key.startsWith(`${config.kopsPrefix}/`);
}

/**
 * Every state key of the bucket (deleted ones too, while their history lasts), with its lock: one listing of the
 * bucket's versions and one pass over the locks, whatever the number of keys.
 */
export async function listStates(
  clients: StateClients,
  config: BackendConfig,
  onPage?: (listed: number) => void,
): Promise<StateKeySummary[]> {
  const listing = await listObjectVersions(clients.s3, config.bucket, undefined, onPage);
  const byKey = new Map<string, ObjectVersion[]>();
  for (const version of listing) {
    if (!isStateKey(config, version.key)) continue;
    const versions = byKey.get(version.key);
    if (versions) versions.push(version);
    else byKey.set(version.key, [version]);
  }
  const keys = [...byKey.keys()].sort(new Intl.Collator().compare);
  const locks = await findLocksOfKeys(clients, config, keys, listing);
  return keys.map((key) => {
    const versions = byKey.get(key)!;
    const latest = versions.find((version) => version.isLatest);
    return {
      key,
      current: latest && !latest.deleteMarker ? { size: latest.size, lastModified: latest.lastModified } : undefined,
      versions: versions.filter((version) => !version.deleteMarker).length,
      locks: locks.get(key)!,
    };
  });
}

/** Deletes the digest item of `ref` when the config has a lock table, saying so when there was one. */
async function removeDigest(clients: StateClients, config: BackendConfig, ref: StateRef, say: (line: string) => void) {
  if (config.lockTable !== undefined && (await deleteDigest(clients.dynamodb, config.lockTable, ref)))
    say(`removed the digest item of ${url(ref)}`);
}

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
  // A move does not create its target bucket: otherwise S3's NoSuchBucket reads as the state bucket missing.
  if (target.bucket !== config.bucket && !(await bucketExists(clients.s3, target.bucket)))
    throw new StateOperationError(`s3://${target.bucket}: no such bucket (a move does not create its target bucket)`);
  const release = await lockAll(
    clients,
    config,
    [source, target],
    'tfstate-move',
    `move ${url(source)} -> ${url(target)}`,
    say,
  );
  await whileHolding(release, `moved ${url(source)} to ${url(target)}`, async () => {
    const text = await readObject(clients.s3, source.bucket, source.key);
    const existing = await readObject(clients.s3, target.bucket, target.key);
    const [newest] = await listStateVersions(clients.s3, source.bucket, source.key);
    // Checked before the copy, so a refused move leaves nothing behind; the newest version is the current one here.
    if (text !== undefined) await requireKeptInHistory(clients.s3, source.bucket, newest, 'the move');
    if (text === undefined) {
      // Only a source whose last version is the target's state was moved by an interrupted run (not a typo).
      const last = newest && (await readObject(clients.s3, source.bucket, source.key, newest.versionId));
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
    if (config.lockTable !== undefined) {
      const digest = await writeDigest(clients.dynamodb, config.lockTable, target, text ?? existing!);
      say(`digest ${digest} of ${url(target)} written to ${config.lockTable}`);
    }
    if (text !== undefined) {
      await clients.s3.send(new DeleteObjectCommand({ Bucket: source.bucket, Key: source.key }));
      say(`removed the current version of ${url(source)} (its versions stay: npm run state -- versions / restore)`);
    }
    await removeDigest(clients, config, source, say);
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
    'tfstate-delete',
    `delete ${url(ref)}${purge ? ' --purge' : ''}`,
    say,
  );
  await whileHolding(release, `deleted ${url(ref)}${purge ? ' and purged its versions' : ''}`, async () => {
    const versions = await keyVersions(clients.s3, config.bucket, key);
    const latest = versions.find((version) => version.isLatest);
    // --purge deletes every version anyway; a plain delete promises that restore can bring the state back.
    if (!purge) await requireKeptInHistory(clients.s3, config.bucket, latest, 'the delete');
    if (latest && !latest.deleteMarker) {
      await clients.s3.send(new DeleteObjectCommand({ Bucket: config.bucket, Key: key }));
      say(`removed the current version of ${url(ref)}`);
    } else {
      say(`${url(ref)} has no current version (already deleted)`);
    }
    await removeDigest(clients, config, ref, say);
    if (purge) {
      const all = await keyVersions(clients.s3, config.bucket, key);
      await deleteObjectVersions(clients.s3, config.bucket, all);
      say(`purged ${all.length} version(s) and delete marker(s) of ${url(ref)}: nothing of it is left to restore`);
    }
  });
  // After the release: our own lock, under s3 locking, was a lockfile version too.
  const lockfile = lockfileKey(key);
  const lockfileVersions = await keyVersions(clients.s3, config.bucket, lockfile);
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
