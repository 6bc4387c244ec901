// Operating the state: who holds the lock, which versions of the state exist, and restoring one safely.
// Clients are parameters, so the same code runs against AWS and the emulator.

import { createHash, randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { DeleteItemCommand, type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  type ListObjectVersionsCommandInput,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { digestLockId, lockfileKey, lockItemId } from '../config/naming';
import type { BackendConfig } from '../config/types';
import { errorLine, httpStatus, UserError } from '../errors';
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

export interface StateClients {
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
}

/** A failure the user can act on (a held lock, an unknown version): printed as one line. */
export class StateOperationError extends UserError {}

/** The ID shown for a lock record that is not Terraform's JSON. */
export const UNKNOWN_LOCK_ID = '(unknown: the lock record is not JSON)';

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

export function isMissing(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return name === 'NoSuchKey' || name === 'NotFound' || httpStatus(error) === 404;
}

/** Every lock currently held on the state key, in the places the locking mode uses. */
export async function findLocks(clients: StateClients, config: BackendConfig, key: string): Promise<HeldLock[]> {
  const locks: HeldLock[] = [];
  if (config.lockTable !== undefined) {
    const item = await clients.dynamodb.send(
      new GetItemCommand({
        TableName: config.lockTable,
        Key: { LockID: { S: lockItemId(config.bucket, key) } },
        ConsistentRead: true,
      }),
    );
    const info = item.Item?.Info?.S;
    if (info !== undefined) locks.push({ source: 'dynamodb', info: parseLockInfo(info) });
  }
  if (config.locking !== 'dynamodb') {
    try {
      const object = await clients.s3.send(new GetObjectCommand({ Bucket: config.bucket, Key: lockfileKey(key) }));
      locks.push({ source: 's3', info: parseLockInfo(await object.Body!.transformToString()) });
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }
  return locks;
}

/** One version (or delete marker) of an object in a versioned bucket. */
export interface ObjectVersion {
  readonly key: string;
  readonly versionId: string;
  readonly deleteMarker: boolean;
  readonly lastModified: Date;
  readonly size: number;
  readonly isLatest: boolean;
}

/**
 * A ListObjectVersions call that refuses a successful answer whose XML is no <ListVersionsResult>. The SDK reads any
 * body as the listing, whatever its root element: a proxy's HTML page with status 200, an empty body, or the plain
 * object listing of a server that ignores "?versions" (its <Contents> dropped) all come out as an empty listing,
 * and "no state here" would be the worst reading. No field of the parsed answer tells them apart (S3-compatible
 * servers leave out an empty <KeyMarker/>), so the raw body is looked at.
 */
function versionListing(input: ListObjectVersionsCommandInput, bucket: string): ListObjectVersionsCommand {
  const command = new ListObjectVersionsCommand(input);
  command.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const response = result.response as { statusCode: number; body?: unknown };
      // Only a success is read here (no 1xx is ever the answer); an error answer is the deserializer's to turn
      // into the SDK's error (NoSuchBucket, AccessDenied, a redirect to the bucket's region).
      // Stryker disable next-line EqualityOperator: equivalent, S3 answers no 300
      if (response.statusCode < 300) {
        const chunks: Uint8Array[] = [];
        for await (const chunk of response.body as AsyncIterable<Uint8Array>) chunks.push(chunk);
        const body = Buffer.concat(chunks);
        // The body is read here, so the deserializer gets the bytes instead of the spent stream.
        response.body = new Uint8Array(body);
        // The first element after an optional XML declaration: S3 sends no comment or doctype before it.
        const root = /^\s*(?:<\?[^>]*\?>\s*)?<([\w:.-]+)/.exec(body.toString('utf8'))?.[1];
        if (root !== 'ListVersionsResult') {
          throw new StateOperationError(
            `listing s3://${bucket}: the answer is not an S3 version listing (${root === undefined ? 'no XML' : `<${root}>`}); check that the endpoint is S3 and not a proxy or another service`,
          );
        }
      }
      return result;
    },
    // Inside the deserializer (lower priority in the same step): it hands this middleware the raw response.
    // Stryker disable next-line StringLiteral: equivalent by accident, the SDK sorts an unknown step or priority with NaN weights, which leaves it innermost too; the name only labels it
    { step: 'deserialize', priority: 'low', name: 'refuseOtherThanVersionListing' },
  );
  return command;
}

/** Every version and delete marker in the bucket (under `prefix` when given), across all pages; `onPage` gets the count so far. */
export async function listObjectVersions(
  s3: S3Client,
  bucket: string,
  prefix?: string,
  onPage: (listed: number) => void = () => {},
): Promise<ObjectVersion[]> {
  const all: ObjectVersion[] = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(
      versionListing(
        { Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker },
        bucket,
      ),
    );
    const pageEntries = [
      ...(page.Versions ?? []).map((entry) => ({ entry, size: entry.Size, deleteMarker: false })),
      ...(page.DeleteMarkers ?? []).map((entry) => ({ entry, size: 0, deleteMarker: true })),
    ];
    for (const { entry, size, deleteMarker } of pageEntries) {
      // Stryker disable next-line StringLiteral,BooleanLiteral: S3 sends Key, VersionId ("null" itself when unversioned), Size and IsLatest with every entry; the defaults only satisfy the SDK's optional types
      all.push({
        key: entry.Key ?? '',
        versionId: entry.VersionId ?? 'null',
        deleteMarker,
        lastModified: entry.LastModified ?? new Date(0),
        size: size ?? 0,
        isLatest: entry.IsLatest ?? false,
      });
    }
    onPage(all.length);
    if (!page.IsTruncated) return all;
    // A server that ignores the markers answers the same page forever (a loop that fills memory), and one that
    // names no next page would end the listing early: either way its answer is no whole listing.
    if (
      page.NextKeyMarker === undefined ||
      (page.NextKeyMarker === keyMarker && page.NextVersionIdMarker === versionIdMarker)
    ) {
      throw new StateOperationError(
        `listing s3://${bucket}: the answer is truncated but names no new place to go on from; check that the endpoint is S3 and not a proxy or another service`,
      );
    }
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
  }
}

/** Versions of the state object, newest first (delete markers left out: they hold no state). */
export async function listStateVersions(s3: S3Client, bucket: string, key: string): Promise<ObjectVersion[]> {
  const versions = (await listObjectVersions(s3, bucket, key)).filter(
    (version) => version.key === key && !version.deleteMarker,
  );
  // Stryker disable next-line MethodExpression,ArrowFunction,ArithmeticOperator: S3 lists a key's versions newest first already; the sort states the order instead of relying on it
  return versions.sort((a, b) => b.lastModified.getTime() - a.lastModified.getTime());
}

/**
 * Refuses to replace or delete a current version that S3 would not keep. A version written while the bucket's
 * versioning was off or suspended has the id "null", and while versioning is not enabled the next write or
 * delete of its key destroys it, where the commands promise that it stays in the history.
 */
export async function requireKeptInHistory(
  s3: S3Client,
  bucket: string,
  current: ObjectVersion | undefined,
  doing: string,
): Promise<void> {
  if (current === undefined || current.deleteMarker || current.versionId !== 'null') return;
  const { Status } = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
  if (Status === 'Enabled') return;
  throw new StateOperationError(
    `s3://${bucket}/${current.key}: the bucket's versioning is ${Status === undefined ? 'off' : Status.toLowerCase()} and the current version has no version of its own (id "null"), so ${doing} would destroy it for good instead of keeping it in the history; enable the bucket's versioning again (npm run deploy -- bootstrap), then run this again`,
  );
}

export function md5Hex(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

/** What the restore found as the current version, and so what it replaced. */
export type ReplacedState = 'none' | 'same-lineage' | 'corrupt' | 'foreign';

interface StateHead {
  readonly serial?: number;
  readonly lineage?: string;
}

/** The serial and lineage of a state's text, or undefined when the text is not a Terraform state. */
function stateHead(text: string): StateHead | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON, so not a state: it has no lineage below.
  }
  // Any JSON value destructures (null and undefined as nothing); only an object with a lineage is a state.
  const { serial, lineage } = (parsed ?? {}) as { serial?: unknown; lineage?: unknown };
  if (typeof lineage !== 'string' || (serial !== undefined && typeof serial !== 'number')) return undefined;
  return { serial: serial as number | undefined, lineage };
}

/**
 * The old state's resources under a serial above the current one and above every serial of the key's history
 * (`historySerials`: versions behind a delete marker count too), so Terraform (and any copy a user still holds)
 * sees the restore as the newest state of its lineage rather than a stale one. A current version that
 * is not a state (empty, truncated, not JSON) is simply replaced; one of another lineage only with
 * `forceLineage`, since restoring over it discards that other state's place as current.
 */
export function restoredStateText(
  oldText: string,
  currentText: string | undefined,
  forceLineage = false,
  historySerials: readonly number[] = [],
): { text: string; replaced: ReplacedState } {
  const old = stateHead(oldText);
  if (old === undefined)
    throw new StateOperationError(
      'the chosen version is not a Terraform state (not JSON with a lineage): pick another one (see the versions command)',
    );
  // Stryker disable next-line ConditionalExpression: equivalent, stateHead of no text is undefined as well (JSON.parse refuses it); the test says what is meant
  const current = currentText === undefined ? undefined : stateHead(currentText);
  const replaced: ReplacedState =
    currentText === undefined
      ? 'none'
      : current === undefined
        ? 'corrupt'
        : current.lineage === old.lineage
          ? 'same-lineage'
          : 'foreign';
  if (replaced === 'foreign' && !forceLineage) {
    throw new StateOperationError(
      // Stryker disable next-line OptionalChaining: a foreign current version is one that parsed, so current is defined here
      `the version has lineage ${old.lineage}, the current state ${current?.lineage}: the current one belongs to another state (overwritten by another project?); add --force-lineage to restore this version over it anyway (the current one stays in the history)`,
    );
  }
  const serial = Math.max(old.serial ?? 0, current?.serial ?? 0, ...historySerials) + 1;
  return { text: `${JSON.stringify({ ...(JSON.parse(oldText) as object), serial }, null, 2)}\n`, replaced };
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

function restoreLockInfo(config: BackendConfig, key: string): LockInfo {
  return operationLockInfo(config.bucket, key, 'tfstate-restore');
}

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

/** Takes back something done (a lock part written, a lock taken); throws a StateOperationError saying what it left behind. */
export type Undo = () => Promise<void>;

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
export async function undoAll(undos: readonly Undo[]): Promise<void> {
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
export async function undoOrSay(failure: string, undo: Undo): Promise<void> {
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

/** Upload headers that encrypt with the state's KMS key, named as the backend names it. */
export function encryption(config: BackendConfig) {
  return { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: config.kmsAlias };
}

export interface RestoreResult {
  readonly serial: number;
  readonly md5: string;
  /** What was current before: a state of the same lineage, a corrupt object, another state, or nothing. */
  readonly replaced: ReplacedState;
}

/**
 * Writes an older version of the state back as the current one, with the -md5 digest item Terraform checks
 * on every read (without it, or with a stale one, Terraform refuses the state). The lock is taken first, the
 * way Terraform takes it, and only then are the versions listed and read, so no write can slip in between;
 * a held lock refuses the restore. The replaced version (corrupt or not) stays in the bucket's history.
 */
export async function restoreStateVersion(
  clients: StateClients,
  config: BackendConfig,
  key: string,
  versionId: string,
  options: { forceLineage?: boolean } = {},
): Promise<RestoreResult> {
  const release = await acquire(clients, config, key, restoreLockInfo(config, key));
  return whileHolding(release, `restored s3://${config.bucket}/${key} to version ${versionId}`, async () => {
    const versions = (await listObjectVersions(clients.s3, config.bucket, key)).filter(
      (version) => version.key === key,
    );
    const target = versions.find((version) => version.versionId === versionId && !version.deleteMarker);
    if (target === undefined)
      throw new StateOperationError(
        `version ${versionId.slice(0, 200)} of s3://${config.bucket}/${key} does not exist (see the versions command)`,
      );
    const read = async (VersionId: string) =>
      (
        await clients.s3.send(new GetObjectCommand({ Bucket: config.bucket, Key: key, VersionId }))
      ).Body!.transformToString();
    const latest = versions.find((version) => version.isLatest);
    await requireKeptInHistory(clients.s3, config.bucket, latest, 'the restore');
    // Every version is read once for its serial; only the chosen one's and the current one's texts are kept.
    const serials: number[] = [];
    const texts = new Map<string, string>();
    for (const version of versions.filter((entry) => !entry.deleteMarker)) {
      const versionText = await read(version.versionId);
      serials.push(stateHead(versionText)?.serial ?? 0);
      if (version === target || version === latest) texts.set(version.versionId, versionText);
    }
    // A delete marker as the latest version means there is no current state to compare with.
    const currentText = latest && !latest.deleteMarker ? texts.get(latest.versionId) : undefined;
    const { text, replaced } = restoredStateText(texts.get(versionId)!, currentText, options.forceLineage, serials);
    const md5 = md5Hex(text);
    await clients.s3.send(
      new PutObjectCommand({
        Bucket: config.bucket,
        Key: key,
        Body: text,
        ContentType: 'application/json',
        ...encryption(config),
      }),
    );
    if (config.lockTable !== undefined) {
      await clients.dynamodb.send(
        new PutItemCommand({
          TableName: config.lockTable,
          Item: { LockID: { S: digestLockId(config.bucket, key) }, Digest: { S: md5 } },
        }),
      );
    }
    return { serial: (JSON.parse(text) as { serial: number }).serial, md5, replaced };
  });
}
