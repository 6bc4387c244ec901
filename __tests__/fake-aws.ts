// In-memory AWS for the unit tests of ops/: versioned S3 buckets and the DynamoDB lock table, answering the
// commands ops/ sends (by class name) the way the services answer them: conditional writes, delete markers,
// paged version listings, eventually consistent reads of the table unless ConsistentRead is asked for.
// A bucket whose versioning is suspended (or was never enabled) keeps one version with the id "null" per key,
// which the next write or delete replaces for good, as S3 documents it (moto 5.2.5 differs: a write to a suspended
// bucket drops the key's other versions too, and a delete there leaves no marker). Not modeled, so no test here speaks for them: races S3 answers with 409
// ConditionalRequestConflict (use failNext), permissions, tables that do not exist. fake-aws.test.ts holds the answers checked against S3's reference and moto.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { LockInfo } from '../ops/locks';
import type { StateClients } from '../ops/operation';

/** The lock record Terraform 1.11 writes while it applies the app stack of the test config. */
export const TERRAFORM_LOCK: LockInfo = {
  ID: '7f0c7c37-5b2e-2d6c-0a50-3c6fbd1e4a7e',
  Operation: 'OperationTypeApply',
  Info: '',
  Who: 'ci@runner-1',
  Version: '1.11.4',
  Created: '2026-11-22T07:00:00.000000Z',
  Path: 'tfstate-0a1b2c3d4e5f-us-east-1/app/terraform.tfstate',
};

/** One version of an object; a delete marker has no body. */
export interface FakeVersion {
  readonly versionId: string;
  readonly body?: string;
  /** Seconds since the epoch: LastModified. */
  readonly at: number;
  /** ContentType and encryption headers the object was written with (PutObject only). */
  readonly headers?: Readonly<Record<string, string>>;
}

export type FakeItem = Record<string, { S: string }>;

interface Command {
  readonly constructor: { readonly name: string };
  readonly input: Record<string, unknown>;
}

/** An error as the SDK throws it: its name and the HTTP status (null: no HTTP answer, no $metadata). */
export function awsError(name: string, status: number | null = 400): Error {
  return Object.assign(
    new Error(`${name} (fake)`),
    { name },
    status === null ? {} : { $metadata: { httpStatusCode: status } },
  );
}

export class FakeAws {
  /** `<bucket>/<key>` -> its versions, oldest first. */
  readonly objects = new Map<string, FakeVersion[]>();
  /** LockID -> item. */
  readonly items = new Map<string, FakeItem>();
  /** Every command in order: `<Command> <bucket>/<key>` or `<Command> <LockID>`. */
  readonly calls: string[] = [];
  /** Entries per ListObjectVersions page (S3 sends up to 1000). */
  pageSize = 1000;
  /** Items per Scan page (DynamoDB sends up to 1 MB). */
  scanPageSize = 1000;
  /** The buckets that exist, when set: a command on any other fails with NoSuchBucket (HeadBucket: NotFound). */
  buckets?: ReadonlySet<string>;
  /** Buckets whose versioning is not enabled (any other is): a write or a delete marker there is the version "null", replacing the last one. */
  readonly versioning = new Map<string, 'Suspended' | 'never enabled'>();
  /** Keys (`<bucket>/<key>`) whose versions DeleteObjects reports as errors (AccessDenied). */
  readonly undeletable = new Set<string>();
  /** LockIDs whose last write an eventually consistent GetItem does not see yet, with the item it sees instead. */
  private readonly staleItems = new Map<string, FakeItem | undefined>();
  /** Runs before each command takes effect (with its `calls` entry): another writer acting in between. */
  beforeSend?: (call: string) => void;
  private readonly failures: { readonly command: string; readonly error: Error; readonly target?: string }[] = [];
  private clock = 0;

  readonly clients: StateClients = {
    s3: { send: async (command: Command) => this.s3(command) } as unknown as S3Client,
    dynamodb: { send: async (command: Command) => this.dynamodb(command) } as unknown as DynamoDBClient,
  };

  /** Writes a version (a delete marker when body is undefined) as a user or Terraform would; returns its id. */
  put(bucket: string, key: string, body: string | undefined, headers?: Readonly<Record<string, string>>): string {
    const at = ++this.clock;
    const versionId = this.versioning.has(bucket) ? 'null' : `v${at}`;
    const path = `${bucket}/${key}`;
    const kept = (this.objects.get(path) ?? []).filter((version) => version.versionId !== versionId);
    this.objects.set(path, [...kept, { versionId, body, at, ...(headers ? { headers } : {}) }]);
    return versionId;
  }

  /** Each version as `<versionId>:<body>` (`<versionId>:marker` for a delete marker), oldest first. */
  history(bucket: string, key: string): string[] {
    return (this.objects.get(`${bucket}/${key}`) ?? []).map(
      (version) => `${version.versionId}:${version.body ?? 'marker'}`,
    );
  }

  /** The next `command` (e.g. PutObjectCommand), on `target` when given, fails with `error` before it takes effect. */
  failNext(command: string, error: Error, target?: string): void {
    this.failures.push({ command, error, target });
  }

  private take(name: string, target: string): void {
    const call = `${name.replace(/Command$/, '')} ${target}`;
    this.calls.push(call);
    this.beforeSend?.(call);
    const index = this.failures.findIndex(
      (failure) => failure.command === name && (failure.target === undefined || failure.target === target),
    );
    if (index >= 0) throw this.failures.splice(index, 1)[0].error;
  }

  private current(path: string): FakeVersion | undefined {
    return this.objects.get(path)?.at(-1);
  }

  /** Deletes one version (or delete marker) for good, as a delete naming its VersionId does: no marker is added. */
  private removeVersion(path: string, versionId: string): void {
    const left = (this.objects.get(path) ?? []).filter((version) => version.versionId !== versionId);
    if (left.length > 0) this.objects.set(path, left);
    else this.objects.delete(path);
  }

  private s3(command: Command): unknown {
    const input = command.input as {
      Bucket: string;
      Key?: string;
      Body?: string;
      IfNoneMatch?: string;
      VersionId?: string;
      Prefix?: string;
      KeyMarker?: string;
      VersionIdMarker?: string;
      Delete?: { Objects: { Key: string; VersionId?: string }[] };
    };
    const path = `${input.Bucket}/${input.Key ?? input.Prefix ?? ''}`;
    this.take(command.constructor.name, path);
    if (this.buckets !== undefined && !this.buckets.has(input.Bucket)) {
      throw command.constructor.name === 'HeadBucketCommand'
        ? awsError('NotFound', 404)
        : awsError('NoSuchBucket', 404);
    }
    switch (command.constructor.name) {
      case 'HeadBucketCommand':
        return {};
      case 'HeadObjectCommand':
        // S3 answers HEAD without a body: a bare 404 for no key and for a delete marker alike.
        if (this.current(path)?.body === undefined) throw awsError('NotFound', 404);
        return {};
      case 'GetBucketVersioningCommand': {
        // S3 leaves Status out for a bucket whose versioning was never enabled.
        const status = this.versioning.get(input.Bucket);
        return status === 'never enabled' ? {} : { Status: status ?? 'Enabled' };
      }
      case 'GetObjectCommand': {
        const version =
          input.VersionId === undefined
            ? this.current(path)
            : this.objects.get(path)?.find((v) => v.versionId === input.VersionId);
        if (version === undefined && input.VersionId !== undefined) throw awsError('NoSuchVersion', 404);
        // S3 answers a delete marker asked for by its version id with 405, not 404 (moto says NoSuchVersion).
        if (version?.body === undefined && input.VersionId !== undefined) throw awsError('MethodNotAllowed', 405);
        if (version?.body === undefined) throw awsError('NoSuchKey', 404);
        const body = version.body;
        return { Body: { transformToString: async () => body } };
      }
      case 'PutObjectCommand': {
        if (input.IfNoneMatch === '*' && this.current(path)?.body !== undefined)
          throw awsError('PreconditionFailed', 412);
        const raw = command.input as Record<string, unknown>;
        const headers = Object.fromEntries(
          ['ContentType', 'ServerSideEncryption', 'SSEKMSKeyId']
            .filter((name) => raw[name] !== undefined)
            .map((name) => [name, String(raw[name])]),
        );
        this.put(input.Bucket, input.Key!, String(input.Body), Object.keys(headers).length > 0 ? headers : undefined);
        return {};
      }
      case 'DeleteObjectCommand':
        if (input.VersionId === undefined) this.put(input.Bucket, input.Key!, undefined);
        else this.removeVersion(path, input.VersionId);
        return {};
      case 'DeleteObjectsCommand': {
        if (input.Delete!.Objects.length > 1000) throw awsError('MalformedXML');
        const errors = input
          .Delete!.Objects.filter((entry) => this.undeletable.has(`${input.Bucket}/${entry.Key}`))
          .map((entry) => ({ Key: entry.Key, Code: 'AccessDenied' }));
        for (const entry of input.Delete!.Objects) {
          const entryPath = `${input.Bucket}/${entry.Key}`;
          if (this.undeletable.has(entryPath)) continue;
          if (entry.VersionId === undefined) this.put(input.Bucket, entry.Key, undefined);
          else this.removeVersion(entryPath, entry.VersionId);
        }
        return errors.length > 0 ? { Errors: errors } : {};
      }
      case 'ListObjectVersionsCommand': {
        // S3's order: by key in UTF-8 bytes, then newest version first; a page ends after pageSize entries.
        const entries = [...this.objects]
          .filter(([key]) => key.startsWith(path))
          .sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
          .flatMap(([key, versions]) =>
            [...versions].reverse().map((version) => ({
              key: key.slice(input.Bucket.length + 1),
              version,
              latest: version === versions.at(-1),
            })),
          );
        const start =
          input.KeyMarker === undefined
            ? 0
            : entries.findIndex(
                (entry) => entry.key === input.KeyMarker && entry.version.versionId === input.VersionIdMarker,
              ) + 1;
        const page = entries.slice(start, start + this.pageSize);
        const truncated = start + this.pageSize < entries.length;
        const listed = (markers: boolean) =>
          page
            .filter((entry) => (entry.version.body === undefined) === markers)
            .map(({ key, version, latest }) => ({
              Key: key,
              VersionId: version.versionId,
              LastModified: new Date(version.at * 1000),
              ...(markers ? {} : { Size: Buffer.byteLength(version.body!) }),
              IsLatest: latest,
            }));
        // S3 leaves out a list that has no entry on the page.
        const versions = listed(false);
        const markers = listed(true);
        return {
          Name: input.Bucket,
          ...(versions.length > 0 ? { Versions: versions } : {}),
          ...(markers.length > 0 ? { DeleteMarkers: markers } : {}),
          IsTruncated: truncated,
          ...(truncated
            ? { NextKeyMarker: page.at(-1)!.key, NextVersionIdMarker: page.at(-1)!.version.versionId }
            : {}),
        };
      }
    }
    throw new Error(`fake S3: ${command.constructor.name} is not modeled`);
  }

  private dynamodb(command: Command): unknown {
    const input = command.input as {
      Item?: FakeItem;
      Key?: { LockID: { S: string } };
      ConditionExpression?: string;
      ExpressionAttributeValues?: Record<string, { S: string }>;
      ConsistentRead?: boolean;
      ReturnValues?: string;
      ExclusiveStartKey?: { LockID: { S: string } };
    };
    if (command.constructor.name === 'ScanCommand') return this.scan(input);
    const id = input.Item?.LockID.S ?? input.Key!.LockID.S;
    this.take(command.constructor.name, id);
    if (typeof command.input.TableName !== 'string') throw awsError('ValidationException');
    const write = (item: FakeItem | undefined) => {
      this.staleItems.set(id, this.items.get(id));
      if (item === undefined) this.items.delete(id);
      else this.items.set(id, item);
    };
    const old = this.items.get(id);
    switch (command.constructor.name) {
      case 'GetItemCommand':
        return { Item: input.ConsistentRead === true || !this.staleItems.has(id) ? old : this.staleItems.get(id) };
      case 'PutItemCommand':
        if (input.ConditionExpression === 'attribute_not_exists(LockID)' && old !== undefined)
          throw awsError('ConditionalCheckFailedException');
        if (input.ConditionExpression !== undefined && input.ConditionExpression !== 'attribute_not_exists(LockID)')
          throw new Error(`fake DynamoDB: condition ${input.ConditionExpression}`);
        write(input.Item);
        return {};
      case 'DeleteItemCommand':
        if (
          input.ConditionExpression === 'Info = :info' &&
          old?.Info?.S !== input.ExpressionAttributeValues?.[':info']?.S
        )
          throw awsError('ConditionalCheckFailedException');
        if (input.ConditionExpression !== undefined && input.ConditionExpression !== 'Info = :info')
          throw new Error(`fake DynamoDB: condition ${input.ConditionExpression}`);
        write(undefined);
        return input.ReturnValues === 'ALL_OLD' && old !== undefined ? { Attributes: old } : {};
    }
    throw new Error(`fake DynamoDB: ${command.constructor.name} is not modeled`);
  }

  /** A page of the table in LockID order after ExclusiveStartKey; without ConsistentRead, as a stale GetItem sees it. */
  private scan(input: { ConsistentRead?: boolean; ExclusiveStartKey?: { LockID: { S: string } } }): unknown {
    const after = input.ExclusiveStartKey?.LockID.S;
    this.take('ScanCommand', after ?? '');
    const seen = (id: string) =>
      input.ConsistentRead === true || !this.staleItems.has(id) ? this.items.get(id) : this.staleItems.get(id);
    const ids = [...new Set([...this.items.keys(), ...this.staleItems.keys()])].sort();
    const items = ids
      .filter((id) => after === undefined || id > after)
      .map(seen)
      .filter((item): item is FakeItem => item !== undefined);
    const page = items.slice(0, this.scanPageSize);
    return {
      Items: page,
      ...(items.length > page.length ? { LastEvaluatedKey: { LockID: page.at(-1)!.LockID } } : {}),
    };
  }
}
