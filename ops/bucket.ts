// The state bucket: whether it exists, the versions of its keys, reading one, deleting versions for good, and how
// an object in it is encrypted.
import {
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  type ListObjectVersionsCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { BackendConfig } from '../config/types';
import { httpStatus } from '../errors';
import { StateOperationError } from './operation';
import { printable } from './printable';

export function isMissing(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return name === 'NoSuchKey' || name === 'NotFound' || httpStatus(error) === 404;
}

/**
 * True when the bucket exists, false on S3's 404. Denied (HeadBucket needs s3:ListBucket, and S3 answers 403 for
 * another owner's bucket) is true: the requests that follow decide. Any other failure (no answer) is thrown on.
 */
export async function bucketExists(s3: S3Client, bucket: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    if (httpStatus(error) === 403) return true;
    throw error;
  }
}

/** The text of a key's current version (or of `versionId`); undefined when there is none (never written, deleted). */
export async function readObject(
  s3: S3Client,
  bucket: string,
  key: string,
  versionId?: string,
): Promise<string | undefined> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
    return await object.Body!.transformToString();
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/** How an object is encrypted at rest, as S3 reports it. */
export async function objectEncryption(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<{ sse?: string; kmsKeyId?: string }> {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return { sse: head.ServerSideEncryption, kmsKeyId: head.SSEKMSKeyId };
}

/** Upload headers that encrypt with the state's KMS key, named as the backend names it. */
export function encryption(config: BackendConfig) {
  return { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: config.kmsAlias };
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
    // S3 sends Key, VersionId ("null" itself when unversioned), Size and IsLatest with every entry; the defaults
    // only satisfy the SDK's optional types.
    for (const { entry, size, deleteMarker } of pageEntries) {
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

/** Every version and delete marker of exactly `key` (a listing by prefix holds the keys that start with it too). */
export async function keyVersions(s3: S3Client, bucket: string, key: string): Promise<ObjectVersion[]> {
  return (await listObjectVersions(s3, bucket, key)).filter((version) => version.key === key);
}

/** Versions of the state object, newest first (delete markers left out: they hold no state). */
export async function listStateVersions(s3: S3Client, bucket: string, key: string): Promise<ObjectVersion[]> {
  const versions = (await keyVersions(s3, bucket, key)).filter((version) => !version.deleteMarker);
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

/**
 * Versions per DeleteObjects request. S3 takes up to 1000, but moto spent 76 s on 1000 versions of one key (its
 * cost grows with the key's versions), and a request that long outlives any timeout that still tells a silent
 * endpoint from a slow one.
 */
const DELETE_BATCH = 250;

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
