// ops/state.ts against the in-memory AWS of fake-aws.ts: finding locks, listing versions, taking the lock
// (and undoing half a lock) and restoring a version, with the exact objects, items and messages left behind.

import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { listObjectVersions, listStateVersions } from '../ops/bucket';
import { acquire, describeLock, findLocks, type LockInfo } from '../ops/locks';
import { StateOperationError } from '../ops/operation';
import { restoreStateVersion } from '../ops/restore';
import { awsError, FakeAws, TERRAFORM_LOCK } from './fake-aws';
import { configFrom } from './helpers';

const BUCKET = 'tfstate-0a1b2c3d4e5f-us-east-1';
const KEY = 'app/terraform.tfstate';
const ALIAS = 'alias/tfstate-0a1b2c3d4e5f-us-east-1';
const TABLE = 'terraform-locks';
const dynamodbLocking = configFrom({ TFSTATE_LOCKING: 'dynamodb' });
const s3Locking = configFrom({ TFSTATE_LOCKING: 's3' });
const bothLocking = configFrom({ TFSTATE_LOCKING: 'both' });

const OTHER_LOCK: LockInfo = {
  ...TERRAFORM_LOCK,
  ID: '0b9d2a51-0000-4000-8000-000000000001',
  Who: 'dev@laptop',
  Operation: 'OperationTypePlan',
};
const lockItem = (info: LockInfo) => ({ LockID: { S: `${BUCKET}/${KEY}` }, Info: { S: JSON.stringify(info) } });
const state = (lineage: string, serial: number, resources: string[] = []) =>
  JSON.stringify({ version: 4, serial, lineage, resources });
/** The text a restore writes: the old state pretty-printed under the new serial. */
const restored = (lineage: string, serial: number, resources: string[] = []) =>
  `${JSON.stringify({ version: 4, serial, lineage, resources }, null, 2)}\n`;
const md5Of = (text: string) => createHash('md5').update(text).digest('hex');
const ENCRYPTED_JSON = { ContentType: 'application/json', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: ALIAS };

describe('findLocks', () => {
  test('dynamodb locking reads the table item only, consistently: a lock taken a moment ago is found', async () => {
    const fake = new FakeAws();
    await fake.clients.dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: lockItem(TERRAFORM_LOCK) }));
    fake.put(BUCKET, `${KEY}.tflock`, JSON.stringify(OTHER_LOCK));
    expect(await findLocks(fake.clients, dynamodbLocking, KEY)).toEqual([{ source: 'dynamodb', info: TERRAFORM_LOCK }]);
  });
  test('s3 locking reads the lockfile only', async () => {
    const fake = new FakeAws();
    fake.items.set(`${BUCKET}/${KEY}`, lockItem(OTHER_LOCK));
    fake.put(BUCKET, `${KEY}.tflock`, JSON.stringify(TERRAFORM_LOCK));
    expect(await findLocks(fake.clients, s3Locking, KEY)).toEqual([{ source: 's3', info: TERRAFORM_LOCK }]);
  });
  test('both: the table item first, then the lockfile', async () => {
    const fake = new FakeAws();
    fake.items.set(`${BUCKET}/${KEY}`, lockItem(OTHER_LOCK));
    fake.put(BUCKET, `${KEY}.tflock`, JSON.stringify(TERRAFORM_LOCK));
    expect(await findLocks(fake.clients, bothLocking, KEY)).toEqual([
      { source: 'dynamodb', info: OTHER_LOCK },
      { source: 's3', info: TERRAFORM_LOCK },
    ]);
  });
  test('no lock: a digest item, a deleted lockfile and an item without Info are not locks', async () => {
    const fake = new FakeAws();
    fake.items.set(`${BUCKET}/${KEY}-md5`, { LockID: { S: `${BUCKET}/${KEY}-md5` }, Digest: { S: 'abc' } });
    fake.items.set(`${BUCKET}/${KEY}`, { LockID: { S: `${BUCKET}/${KEY}` } });
    fake.put(BUCKET, `${KEY}.tflock`, JSON.stringify(TERRAFORM_LOCK));
    fake.put(BUCKET, `${KEY}.tflock`, undefined);
    expect(await findLocks(fake.clients, bothLocking, KEY)).toEqual([]);
  });
  test.each([
    ['NotFound', 'NotFound', 404],
    ['a bare 404', 'UnknownError', 404],
  ])('a lockfile answered with %s counts as absent', async (_, name, status) => {
    const fake = new FakeAws();
    fake.failNext('GetObjectCommand', awsError(name, status));
    expect(await findLocks(fake.clients, s3Locking, KEY)).toEqual([]);
  });
  test.each(['NoSuchKey', 'NotFound'])(
    'an error named %s without an HTTP status counts as absent too',
    async (name) => {
      const fake = new FakeAws();
      fake.failNext('GetObjectCommand', awsError(name, null));
      expect(await findLocks(fake.clients, s3Locking, KEY)).toEqual([]);
    },
  );
  test('a lockfile read failing without any HTTP answer is that error', async () => {
    const fake = new FakeAws();
    fake.failNext('GetObjectCommand', awsError('TimeoutError', null));
    await expect(findLocks(fake.clients, s3Locking, KEY)).rejects.toThrow('TimeoutError (fake)');
  });
  test('a lockfile that cannot be read (access denied) is an error, not "no lock"', async () => {
    const fake = new FakeAws();
    fake.failNext('GetObjectCommand', awsError('AccessDenied', 403));
    await expect(findLocks(fake.clients, s3Locking, KEY)).rejects.toThrow('AccessDenied (fake)');
  });
  test.each(['42', 'null'])('a lock record %s (JSON, not an object) reads as held with empty fields', async (text) => {
    const fake = new FakeAws();
    fake.put(BUCKET, `${KEY}.tflock`, text);
    expect(await findLocks(fake.clients, s3Locking, KEY)).toEqual([
      { source: 's3', info: { ID: '', Operation: '', Info: '', Who: '', Version: '', Created: '', Path: '' } },
    ]);
  });
  test('the fake reads stale without ConsistentRead (what findLocks must not rely on)', async () => {
    const fake = new FakeAws();
    await fake.clients.dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: lockItem(TERRAFORM_LOCK) }));
    expect(
      (
        await fake.clients.dynamodb.send(
          new GetItemCommand({ TableName: TABLE, Key: { LockID: { S: `${BUCKET}/${KEY}` } } }),
        )
      ).Item,
    ).toBeUndefined();
  });
});

describe('describeLock', () => {
  test('a Terraform lock in the table: the holder and the force-unlock command', () => {
    expect(describeLock({ source: 'dynamodb', info: TERRAFORM_LOCK }, 'cdktf.out/stacks/app')).toBe(
      [
        `locked (lock table item): ID=7f0c7c37-5b2e-2d6c-0a50-3c6fbd1e4a7e Who=ci@runner-1 Operation=OperationTypeApply Created=2026-11-22T07:00:00.000000Z Path=${BUCKET}/${KEY}`,
        '  if that run is really gone, release it with: (cd cdktf.out/stacks/app && terraform force-unlock -force 7f0c7c37-5b2e-2d6c-0a50-3c6fbd1e4a7e)',
      ].join('\n'),
    );
  });
  test('a lockfile that is not JSON: delete it by hand', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, `${KEY}.tflock`, 'held by hand');
    const [lock] = await findLocks(fake.clients, s3Locking, KEY);
    expect(describeLock(lock, 'cdktf.out/stacks/app')).toBe(
      [
        'locked (S3 lockfile): ID=(unknown: the lock record is not JSON) Who= Operation= Created= Path=',
        `  the record is not Terraform's (Info="held by hand"), so terraform force-unlock cannot name it: once no run holds it, delete the S3 lockfile by hand`,
      ].join('\n'),
    );
  });
});

describe('listing versions', () => {
  test('every version and delete marker under the prefix, page after page', async () => {
    const fake = new FakeAws();
    fake.pageSize = 2;
    fake.put(BUCKET, KEY, state('L1', 1));
    fake.put(BUCKET, KEY, undefined);
    fake.put(BUCKET, KEY, state('L1', 2));
    fake.put(BUCKET, 'env/dev/terraform.tfstate', state('D', 1));
    fake.put(BUCKET, 'app/x.tfstate', state('X', 1));
    fake.put(BUCKET, 'app/x.tfstate', undefined);
    expect(await listObjectVersions(fake.clients.s3, BUCKET, 'app/')).toEqual([
      {
        key: KEY,
        versionId: 'v3',
        deleteMarker: false,
        lastModified: new Date(3000),
        size: state('L1', 2).length,
        isLatest: true,
      },
      { key: KEY, versionId: 'v2', deleteMarker: true, lastModified: new Date(2000), size: 0, isLatest: false },
      {
        key: KEY,
        versionId: 'v1',
        deleteMarker: false,
        lastModified: new Date(1000),
        size: state('L1', 1).length,
        isLatest: false,
      },
      {
        key: 'app/x.tfstate',
        versionId: 'v6',
        deleteMarker: true,
        lastModified: new Date(6000),
        size: 0,
        isLatest: true,
      },
      {
        key: 'app/x.tfstate',
        versionId: 'v5',
        deleteMarker: false,
        lastModified: new Date(5000),
        size: state('X', 1).length,
        isLatest: false,
      },
    ]);
    expect(fake.calls).toEqual([
      `ListObjectVersions ${BUCKET}/app/`,
      `ListObjectVersions ${BUCKET}/app/`,
      `ListObjectVersions ${BUCKET}/app/`,
    ]);
  });
  /** The real SDK against a real HTTP server: what it makes of the answer is what the checks must see. */
  async function listFrom(answer: () => string, contentType = 'application/xml', status = 200) {
    const server = createServer((_, response) =>
      response.writeHead(status, { 'content-type': contentType }).end(answer()),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      forcePathStyle: true,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      maxAttempts: 1,
    });
    try {
      return await listObjectVersions(s3, BUCKET, 'app/');
    } finally {
      s3.destroy();
      server.close();
    }
  }
  const notAListing = (what: string) =>
    new StateOperationError(
      `listing s3://${BUCKET}: the answer is not an S3 version listing (${what}); check that the endpoint is S3 and not a proxy or another service`,
    );
  test('a proxy answering with an HTML page and status 200 is refused, not read as an empty bucket', async () => {
    await expect(listFrom(() => '<html><body>Sign in to continue</body></html>', 'text/html')).rejects.toThrow(
      notAListing('<html>'),
    );
    await expect(listFrom(() => '')).rejects.toThrow(notAListing('no XML'));
  });
  test('a server that ignores "?versions" and answers the plain object listing is refused, not read as an empty bucket', async () => {
    // The SDK makes of it the bucket's name and no versions (it drops <Contents>): no parsed field tells it apart.
    const objects = `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult><Name>${BUCKET}</Name><Prefix>app/</Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated><Contents><Key>${KEY}</Key><Size>5</Size></Contents></ListBucketResult>`;
    await expect(listFrom(() => objects)).rejects.toThrow(notAListing('<ListBucketResult>'));
  });
  test('a version listing is read with or without the empty <KeyMarker/> (moto and S3 send it, S3-compatible servers may not)', async () => {
    const first = `<?xml version="1.0" encoding="utf-8"?>\n<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IsTruncated>false</IsTruncated><KeyMarker/><VersionIdMarker/><Name>${BUCKET}</Name><Prefix>app/</Prefix><MaxKeys>1000</MaxKeys><Version><Key>${KEY}</Key><VersionId>v1</VersionId><IsLatest>true</IsLatest><Size>2</Size><LastModified>2026-11-22T19:12:47.000Z</LastModified></Version></ListVersionsResult>`;
    const v1 = {
      key: KEY,
      versionId: 'v1',
      deleteMarker: false,
      lastModified: new Date('2026-11-22T19:12:47.000Z'),
      size: 2,
      isLatest: true,
    };
    expect(await listFrom(() => first)).toEqual([v1]);
    expect(await listFrom(() => first.replace('<KeyMarker/><VersionIdMarker/>', ''))).toEqual([v1]);
  });
  test('only the first element counts, after blanks and an XML declaration with or without a line break', async () => {
    const listing = `<ListVersionsResult><Name>${BUCKET}</Name><IsTruncated>false</IsTruncated></ListVersionsResult>`;
    expect(await listFrom(() => `\n  <?xml version="1.0" encoding="UTF-8"?>${listing}`)).toEqual([]);
    expect(await listFrom(() => `<?xml version="1.0"?>\n\n${listing}`)).toEqual([]);
    // A banner before the XML, or a comment: S3 sends neither, so neither is taken for a listing.
    await expect(listFrom(() => `Welcome ${listing}`)).rejects.toThrow(notAListing('no XML'));
    await expect(listFrom(() => `<!-- cached -->${listing}`)).rejects.toThrow(notAListing('no XML'));
  });
  test("an error answer is the SDK's own error, not a refused listing", async () => {
    const noSuchBucket = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>${BUCKET}</BucketName></Error>`;
    await expect(listFrom(() => noSuchBucket, 'application/xml', 404)).rejects.toMatchObject({
      name: 'NoSuchBucket',
      $metadata: { httpStatusCode: 404 },
    });
  });
  test('an unversioned bucket lists page after page, though every page ends at the version id "null"', async () => {
    const version = (key: string) =>
      `<Version><Key>${key}</Key><VersionId>null</VersionId><IsLatest>true</IsLatest><Size>1</Size><LastModified>2026-11-22T19:12:47.000Z</LastModified></Version>`;
    const pages = [
      `<ListVersionsResult><IsTruncated>true</IsTruncated><NextKeyMarker>app/a</NextKeyMarker><NextVersionIdMarker>null</NextVersionIdMarker>${version('app/a')}</ListVersionsResult>`,
      `<ListVersionsResult><IsTruncated>true</IsTruncated><NextKeyMarker>app/b</NextKeyMarker><NextVersionIdMarker>null</NextVersionIdMarker>${version('app/b')}</ListVersionsResult>`,
      `<ListVersionsResult><IsTruncated>false</IsTruncated>${version('app/c')}</ListVersionsResult>`,
    ];
    let answered = 0;
    const listed = await listFrom(() => pages[answered++]);
    expect(listed.map((entry) => `${entry.key} ${entry.versionId}`)).toEqual([
      'app/a null',
      'app/b null',
      'app/c null',
    ]);
  });
  test('a later page that is truncated but names no next page is refused too', async () => {
    let answered = 0;
    // Ends by itself after 4 pages, so that code without the check fails instead of hanging.
    const answer = () =>
      ++answered === 1
        ? page('<NextKeyMarker>app/a</NextKeyMarker><NextVersionIdMarker>v1</NextVersionIdMarker>')
        : answered < 4
          ? page('')
          : page('').replace('true', 'false');
    await expect(listFrom(answer)).rejects.toThrow(CUT_SHORT);
    expect(answered).toBe(2);
  });
  const CUT_SHORT = new StateOperationError(
    `listing s3://${BUCKET}: the answer is truncated but names no new place to go on from; check that the endpoint is S3 and not a proxy or another service`,
  );
  const page = (next: string) =>
    `<ListVersionsResult><Name>${BUCKET}</Name><IsTruncated>true</IsTruncated>${next}<Version><Key>${KEY}</Key><VersionId>v1</VersionId><IsLatest>true</IsLatest><Size>1</Size></Version></ListVersionsResult>`;
  test('a server that ignores the key marker (the same page again) is refused, not listed forever', async () => {
    let answered = 0;
    // Ends by itself after 4 pages, so that code without the check fails instead of hanging.
    const answer = () =>
      ++answered < 4
        ? page('<NextKeyMarker>app/a</NextKeyMarker><NextVersionIdMarker>v1</NextVersionIdMarker>')
        : page('').replace('true', 'false');
    await expect(listFrom(answer)).rejects.toThrow(CUT_SHORT);
    expect(answered).toBe(2);
  });
  test('a truncated answer that names no next page is refused, not taken as the whole listing', async () => {
    await expect(listFrom(() => page(''))).rejects.toThrow(CUT_SHORT);
  });
  test('state versions: that key only, newest first, delete markers left out', async () => {
    const fake = new FakeAws();
    fake.pageSize = 1;
    fake.put(BUCKET, KEY, state('L1', 1));
    fake.put(BUCKET, `${KEY}.tflock`, JSON.stringify(TERRAFORM_LOCK));
    fake.put(BUCKET, KEY, state('L1', 2));
    fake.put(BUCKET, KEY, undefined);
    const versions = await listStateVersions(fake.clients.s3, BUCKET, KEY);
    expect(versions.map((version) => `${version.versionId} ${version.isLatest}`)).toEqual(['v3 false', 'v1 false']);
  });
});

describe('acquire', () => {
  test('both: takes the table item and the lockfile (encrypted, only if absent), and the release removes both', async () => {
    const fake = new FakeAws();
    const release = await acquire(fake.clients, bothLocking, KEY, TERRAFORM_LOCK);
    expect([...fake.items.values()]).toEqual([lockItem(TERRAFORM_LOCK)]);
    expect(fake.objects.get(`${BUCKET}/${KEY}.tflock`)).toEqual([
      {
        versionId: 'v1',
        body: JSON.stringify(TERRAFORM_LOCK),
        at: 1,
        headers: { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: ALIAS },
      },
    ]);
    await release();
    expect(fake.items.size).toBe(0);
    expect(fake.history(BUCKET, `${KEY}.tflock`)).toEqual([`v1:${JSON.stringify(TERRAFORM_LOCK)}`, 'v2:marker']);
    expect(fake.calls).toEqual([
      `PutItem ${BUCKET}/${KEY}`,
      `PutObject ${BUCKET}/${KEY}.tflock`,
      `DeleteObject ${BUCKET}/${KEY}.tflock`,
      `DeleteItem ${BUCKET}/${KEY}`,
    ]);
  });
  test('a lockfile held by another run undoes the table item just taken, and names the holder', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, `${KEY}.tflock`, JSON.stringify(OTHER_LOCK));
    await expect(acquire(fake.clients, bothLocking, KEY, TERRAFORM_LOCK)).rejects.toThrow(
      new StateOperationError(
        `s3://${BUCKET}/${KEY} is locked by dev@laptop (ID 0b9d2a51-0000-4000-8000-000000000001, OperationTypePlan); OperationTypeApply refused while a lock is held`,
      ),
    );
    expect(fake.items.size).toBe(0);
    expect(fake.history(BUCKET, `${KEY}.tflock`)).toEqual([`v1:${JSON.stringify(OTHER_LOCK)}`]);
  });
  test('a held table item refuses before the lockfile is tried', async () => {
    const fake = new FakeAws();
    fake.items.set(`${BUCKET}/${KEY}`, lockItem(OTHER_LOCK));
    await expect(acquire(fake.clients, bothLocking, KEY, TERRAFORM_LOCK)).rejects.toThrow(StateOperationError);
    expect(fake.objects.size).toBe(0);
    expect([...fake.items.values()]).toEqual([lockItem(OTHER_LOCK)]);
  });
  test('any other failure of the second write undoes the first and is passed on as it is', async () => {
    const fake = new FakeAws();
    const denied = awsError('AccessDenied', 403);
    fake.failNext('PutObjectCommand', denied);
    await expect(acquire(fake.clients, bothLocking, KEY, TERRAFORM_LOCK)).rejects.toBe(denied);
    expect(fake.items.size).toBe(0);
    expect(fake.calls).toEqual([
      `PutItem ${BUCKET}/${KEY}`,
      `PutObject ${BUCKET}/${KEY}.tflock`,
      `DeleteItem ${BUCKET}/${KEY}`,
    ]);
  });
  test('when undoing the table item fails too, both failures and the item left behind are named in one line', async () => {
    const fake = new FakeAws();
    fake.failNext('PutObjectCommand', awsError('AccessDenied', 403));
    fake.failNext(
      'DeleteItemCommand',
      Object.assign(awsError('ThrottlingException', 400), { message: 'Rate exceeded\r\n  try again later\n' }),
    );
    await expect(acquire(fake.clients, bothLocking, KEY, TERRAFORM_LOCK)).rejects.toThrow(
      new StateOperationError(
        `OperationTypeApply could not lock s3://${BUCKET}/${KEY} (AccessDenied: AccessDenied (fake)); releasing the lock failed too: item "${BUCKET}/${KEY}" of ${TABLE} left behind with lock ID ${TERRAFORM_LOCK.ID} (ThrottlingException: Rate exceeded try again later): delete it once AWS answers again`,
      ),
    );
    expect([...fake.items.values()]).toEqual([lockItem(TERRAFORM_LOCK)]);
  });
  test("a proxy's error page (no AWS error in it: the SDK's Unknown) is named by its HTTP status", async () => {
    const fake = new FakeAws();
    fake.failNext('PutObjectCommand', awsError('AccessDenied', 403));
    fake.failNext('DeleteItemCommand', Object.assign(awsError('Unknown', 502), { message: 'UnknownError' }));
    await expect(acquire(fake.clients, bothLocking, KEY, TERRAFORM_LOCK)).rejects.toThrow(
      new StateOperationError(
        `OperationTypeApply could not lock s3://${BUCKET}/${KEY} (AccessDenied: AccessDenied (fake)); releasing the lock failed too: item "${BUCKET}/${KEY}" of ${TABLE} left behind with lock ID ${TERRAFORM_LOCK.ID} (Unknown: UnknownError (HTTP 502)): delete it once AWS answers again`,
      ),
    );
  });
  test('an AWS message of pages (an emulator or a proxy) is cut in the line, which still names the lock left behind', async () => {
    const fake = new FakeAws();
    const pages = 'We encountered an internal error.\nPlease try again. '.repeat(3000);
    fake.failNext('PutObjectCommand', awsError('AccessDenied', 403));
    fake.failNext('DeleteItemCommand', Object.assign(awsError('InternalError', 500), { message: pages }));
    await expect(acquire(fake.clients, bothLocking, KEY, TERRAFORM_LOCK)).rejects.toThrow(
      new StateOperationError(
        `OperationTypeApply could not lock s3://${BUCKET}/${KEY} (AccessDenied: AccessDenied (fake)); releasing the lock failed too: item "${BUCKET}/${KEY}" of ${TABLE} left behind with lock ID ${TERRAFORM_LOCK.ID} (InternalError: ${'We encountered an internal error. Please try again. '.repeat(5)}We encountered an interna... (156014 characters)): delete it once AWS answers again`,
      ),
    );
  });
  test('a lockfile write racing a release (S3 answers 409 ConditionalRequestConflict) is refused as locked; the table item is undone', async () => {
    const fake = new FakeAws();
    fake.failNext('PutObjectCommand', awsError('ConditionalRequestConflict', 409));
    await expect(acquire(fake.clients, bothLocking, KEY, TERRAFORM_LOCK)).rejects.toThrow(
      new StateOperationError(
        `s3://${BUCKET}/${KEY} is locked by another run; OperationTypeApply refused while a lock is held`,
      ),
    );
    expect(fake.items.size).toBe(0);
  });
  test("a table item write that went through before its retry was refused (the retry found this run's own lock) is undone, not reported as held", async () => {
    const fake = new FakeAws();
    fake.items.set(`${BUCKET}/${KEY}`, lockItem(TERRAFORM_LOCK));
    await expect(acquire(fake.clients, dynamodbLocking, KEY, TERRAFORM_LOCK)).rejects.toThrow(
      new StateOperationError(
        `OperationTypeApply could not lock s3://${BUCKET}/${KEY}: a write that failed had gone through after all (its retry found this run's lock ID ${TERRAFORM_LOCK.ID}); undone, run again`,
      ),
    );
    expect(fake.items.size).toBe(0);
  });
  test('the same for the lockfile: both parts undone; a failed undo names the lockfile left behind', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, `${KEY}.tflock`, JSON.stringify(TERRAFORM_LOCK));
    await expect(acquire(fake.clients, bothLocking, KEY, TERRAFORM_LOCK)).rejects.toThrow(StateOperationError);
    expect(fake.items.size).toBe(0);
    expect(fake.history(BUCKET, `${KEY}.tflock`)).toEqual([`v1:${JSON.stringify(TERRAFORM_LOCK)}`, 'v2:marker']);
    fake.put(BUCKET, `${KEY}.tflock`, JSON.stringify(TERRAFORM_LOCK));
    fake.failNext('DeleteObjectCommand', awsError('AccessDenied', 403));
    await expect(acquire(fake.clients, bothLocking, KEY, TERRAFORM_LOCK)).rejects.toThrow(
      new StateOperationError(
        `OperationTypeApply could not lock s3://${BUCKET}/${KEY} (PreconditionFailed: PreconditionFailed (fake)); releasing the lock failed too: the object s3://${BUCKET}/${KEY}.tflock left behind with lock ID ${TERRAFORM_LOCK.ID} (AccessDenied: AccessDenied (fake)): delete it once AWS answers again`,
      ),
    );
    expect(fake.items.size).toBe(0);
  });
  test('its own lock found by a retried write, neither part of which can be undone: both named in one line, the lockfile first', async () => {
    const fake = new FakeAws();
    fake.items.set(`${BUCKET}/${KEY}`, lockItem(TERRAFORM_LOCK));
    fake.put(BUCKET, `${KEY}.tflock`, JSON.stringify(TERRAFORM_LOCK));
    fake.failNext('DeleteItemCommand', awsError('ThrottlingException', 400));
    fake.failNext('DeleteObjectCommand', awsError('AccessDenied', 403));
    await expect(acquire(fake.clients, bothLocking, KEY, TERRAFORM_LOCK)).rejects.toThrow(
      new StateOperationError(
        `OperationTypeApply could not lock s3://${BUCKET}/${KEY} (ConditionalCheckFailedException: ConditionalCheckFailedException (fake)); releasing the lock failed too: the object s3://${BUCKET}/${KEY}.tflock left behind with lock ID ${TERRAFORM_LOCK.ID} (AccessDenied: AccessDenied (fake)): delete it once AWS answers again; item "${BUCKET}/${KEY}" of ${TABLE} left behind with lock ID ${TERRAFORM_LOCK.ID} (ThrottlingException: ThrottlingException (fake)): delete it once AWS answers again`,
      ),
    );
  });
  test('a lock released between the refusal and the look-up is "another run"', async () => {
    const fake = new FakeAws();
    fake.failNext('PutItemCommand', awsError('ConditionalCheckFailedException'));
    await expect(acquire(fake.clients, dynamodbLocking, KEY, TERRAFORM_LOCK)).rejects.toThrow(
      new StateOperationError(
        `s3://${BUCKET}/${KEY} is locked by another run; OperationTypeApply refused while a lock is held`,
      ),
    );
  });
});

/** Lifecycle expiry removing a version after the restore listed the history, before it reads the first object. */
function expireOnFirstRead(fake: FakeAws, versionId: string): void {
  fake.beforeSend = (call) => {
    if (!call.startsWith('GetObject ')) return;
    const versions = fake.objects.get(`${BUCKET}/${KEY}`)!;
    versions.splice(
      versions.findIndex((version) => version.versionId === versionId),
      1,
    );
    fake.beforeSend = undefined;
  };
}

describe('restoreStateVersion', () => {
  test('over a current version "null" in a bucket with versioning suspended: refused, the current version untouched', async () => {
    const fake = new FakeAws();
    const old = fake.put(BUCKET, KEY, state('L1', 3));
    fake.versioning.set(BUCKET, 'Suspended');
    fake.put(BUCKET, KEY, state('L1', 7));
    await expect(restoreStateVersion(fake.clients, dynamodbLocking, KEY, old)).rejects.toThrow(
      new StateOperationError(
        `s3://${BUCKET}/${KEY}: the bucket's versioning is suspended and the current version has no version of its own (id "null"), so the restore would destroy it for good instead of keeping it in the history; enable the bucket's versioning again (npm run deploy -- bootstrap), then run this again`,
      ),
    );
    expect(fake.history(BUCKET, KEY)).toEqual([`v1:${state('L1', 3)}`, `null:${state('L1', 7)}`]);
    expect(fake.items.size).toBe(0);
  });
  test('same lineage: the old resources under the next serial, with the digest; history and no lock left', async () => {
    const fake = new FakeAws();
    const old = fake.put(BUCKET, KEY, state('L1', 3, ['old']));
    fake.put(BUCKET, KEY, state('L1', 7));
    const result = await restoreStateVersion(fake.clients, dynamodbLocking, KEY, old);
    const text = restored('L1', 8, ['old']);
    expect(result).toEqual({ serial: 8, md5: md5Of(text), replaced: 'same-lineage' });
    expect(fake.objects.get(`${BUCKET}/${KEY}`)).toEqual([
      { versionId: 'v1', body: state('L1', 3, ['old']), at: 1 },
      { versionId: 'v2', body: state('L1', 7), at: 2 },
      { versionId: 'v3', body: text, at: 3, headers: ENCRYPTED_JSON },
    ]);
    expect([...fake.items]).toEqual([
      [`${BUCKET}/${KEY}-md5`, { LockID: { S: `${BUCKET}/${KEY}-md5` }, Digest: { S: md5Of(text) } }],
    ]);
  });
  test('a noncurrent version expired between the listing and its read is history no longer kept: the restore goes on', async () => {
    const fake = new FakeAws();
    const expired = fake.put(BUCKET, KEY, state('L1', 9, ['expired']));
    const old = fake.put(BUCKET, KEY, state('L1', 3, ['old']));
    fake.put(BUCKET, KEY, state('L1', 7));
    expireOnFirstRead(fake, expired);
    const result = await restoreStateVersion(fake.clients, dynamodbLocking, KEY, old);
    expect(result.serial).toBe(8);
  });
  test('the chosen version vanishing between the listing and its read: one line, nothing written, no lock left', async () => {
    const fake = new FakeAws();
    const old = fake.put(BUCKET, KEY, state('L1', 3, ['old']));
    fake.put(BUCKET, KEY, state('L1', 7));
    expireOnFirstRead(fake, old);
    await expect(restoreStateVersion(fake.clients, dynamodbLocking, KEY, old)).rejects.toThrow(
      new StateOperationError(
        `version v1 of s3://${BUCKET}/${KEY} disappeared while the restore read it: nothing was written; run the versions command and try again`,
      ),
    );
    expect(fake.history(BUCKET, KEY)).toEqual([`v2:${state('L1', 7)}`]);
    expect(fake.items.size).toBe(0);
  });
  test('the lock is taken before anything is read, and released last', async () => {
    const fake = new FakeAws();
    const old = fake.put(BUCKET, KEY, state('L1', 1));
    fake.put(BUCKET, KEY, state('L1', 2));
    await restoreStateVersion(fake.clients, dynamodbLocking, KEY, old);
    expect(fake.calls).toEqual([
      `PutItem ${BUCKET}/${KEY}`,
      `ListObjectVersions ${BUCKET}/${KEY}`,
      `GetObject ${BUCKET}/${KEY}`,
      `GetObject ${BUCKET}/${KEY}`,
      `PutObject ${BUCKET}/${KEY}`,
      `PutItem ${BUCKET}/${KEY}-md5`,
      `DeleteItem ${BUCKET}/${KEY}`,
    ]);
  });
  test.each([
    ['empty', ''],
    ['cut short', '{"version": 4, "ser'],
  ])('a current version that is %s is replaced and kept in the history', async (_, corrupt) => {
    const fake = new FakeAws();
    const old = fake.put(BUCKET, KEY, state('L1', 5));
    fake.put(BUCKET, KEY, corrupt);
    expect(await restoreStateVersion(fake.clients, dynamodbLocking, KEY, old)).toMatchObject({
      serial: 6,
      replaced: 'corrupt',
    });
    expect(fake.history(BUCKET, KEY)).toEqual([`v1:${state('L1', 5)}`, `v2:${corrupt}`, `v3:${restored('L1', 6)}`]);
  });
  test('a deleted state (delete marker current) is brought back', async () => {
    const fake = new FakeAws();
    const old = fake.put(BUCKET, KEY, state('L1', 5));
    fake.put(BUCKET, KEY, undefined);
    expect(await restoreStateVersion(fake.clients, dynamodbLocking, KEY, old)).toMatchObject({
      serial: 6,
      replaced: 'none',
    });
    expect(fake.history(BUCKET, KEY)).toEqual([`v1:${state('L1', 5)}`, 'v2:marker', `v3:${restored('L1', 6)}`]);
  });
  // A restore below a version still in the history would be older than a copy a user may hold of that version.
  test('after a delete, the restore goes above every version behind the delete marker, each read once', async () => {
    const fake = new FakeAws();
    const old = fake.put(BUCKET, KEY, state('L1', 3, ['old']));
    fake.put(BUCKET, KEY, state('L1', 9));
    fake.put(BUCKET, KEY, state('L1', 7));
    fake.put(BUCKET, KEY, undefined);
    expect(await restoreStateVersion(fake.clients, dynamodbLocking, KEY, old)).toMatchObject({
      serial: 10,
      replaced: 'none',
    });
    expect(fake.history(BUCKET, KEY)).toEqual([
      `v1:${state('L1', 3, ['old'])}`,
      `v2:${state('L1', 9)}`,
      `v3:${state('L1', 7)}`,
      'v4:marker',
      `v5:${restored('L1', 10, ['old'])}`,
    ]);
    expect(fake.calls.filter((call) => call.startsWith('GetObject'))).toEqual([
      `GetObject ${BUCKET}/${KEY}`,
      `GetObject ${BUCKET}/${KEY}`,
      `GetObject ${BUCKET}/${KEY}`,
    ]);
  });
  test('a current state of another lineage is refused unless forced; nothing written, lock released', async () => {
    const fake = new FakeAws();
    const old = fake.put(BUCKET, KEY, state('L1', 5));
    fake.put(BUCKET, KEY, state('L2', 9));
    await expect(restoreStateVersion(fake.clients, dynamodbLocking, KEY, old)).rejects.toThrow(
      new StateOperationError(
        'the version has lineage L1, the current state L2: the current one belongs to another state (overwritten by another project?); add --force-lineage to restore this version over it anyway (the current one stays in the history)',
      ),
    );
    expect(fake.history(BUCKET, KEY)).toEqual([`v1:${state('L1', 5)}`, `v2:${state('L2', 9)}`]);
    expect(fake.items.size).toBe(0);
    expect(await restoreStateVersion(fake.clients, dynamodbLocking, KEY, old, { forceLineage: true })).toMatchObject({
      serial: 10,
      replaced: 'foreign',
    });
    expect(fake.history(BUCKET, KEY)).toEqual([
      `v1:${state('L1', 5)}`,
      `v2:${state('L2', 9)}`,
      `v3:${restored('L1', 10)}`,
    ]);
  });
  test.each([
    ['an unknown version', 'v9'],
    ['a delete marker', 'v2'],
    ['a version of another key', 'v3'],
  ])('%s is refused in one line', async (_, versionId) => {
    const fake = new FakeAws();
    fake.put(BUCKET, KEY, state('L1', 5));
    fake.put(BUCKET, KEY, undefined);
    fake.put(BUCKET, `${KEY}.backup`, state('L1', 4));
    await expect(restoreStateVersion(fake.clients, dynamodbLocking, KEY, versionId)).rejects.toThrow(
      new StateOperationError(
        `version ${versionId} of s3://${BUCKET}/${KEY} does not exist (see the versions command)`,
      ),
    );
    expect(fake.items.size).toBe(0);
  });
  test('a version id pasted with garbage is cut in the message', async () => {
    const fake = new FakeAws();
    await expect(restoreStateVersion(fake.clients, dynamodbLocking, KEY, 'x'.repeat(500))).rejects.toThrow(
      `version ${'x'.repeat(200)} of s3://${BUCKET}/${KEY} does not exist (see the versions command)`,
    );
  });
  test("a held lock refuses the restore and leaves the holder's lock and the state alone", async () => {
    const fake = new FakeAws();
    const old = fake.put(BUCKET, KEY, state('L1', 5));
    fake.put(BUCKET, KEY, state('L1', 6));
    fake.items.set(`${BUCKET}/${KEY}`, lockItem(TERRAFORM_LOCK));
    await expect(restoreStateVersion(fake.clients, dynamodbLocking, KEY, old)).rejects.toThrow(
      new StateOperationError(
        `s3://${BUCKET}/${KEY} is locked by ci@runner-1 (ID 7f0c7c37-5b2e-2d6c-0a50-3c6fbd1e4a7e, OperationTypeApply); tfstate-restore refused while a lock is held`,
      ),
    );
    expect([...fake.items.values()]).toEqual([lockItem(TERRAFORM_LOCK)]);
    expect(fake.history(BUCKET, KEY)).toEqual([`v1:${state('L1', 5)}`, `v2:${state('L1', 6)}`]);
  });
  test('a release failing after the restore: the line says the restore is done, then names the lock left behind', async () => {
    const fake = new FakeAws();
    const old = fake.put(BUCKET, KEY, state('L1', 1));
    fake.put(BUCKET, KEY, state('L1', 2));
    fake.failNext('DeleteItemCommand', awsError('ThrottlingException', 400), `${BUCKET}/${KEY}`);
    const failure = await restoreStateVersion(fake.clients, dynamodbLocking, KEY, old).catch((error: unknown) => error);
    const lockId = (JSON.parse(fake.items.get(`${BUCKET}/${KEY}`)!.Info.S) as LockInfo).ID;
    expect(failure).toEqual(
      new StateOperationError(
        `restored s3://${BUCKET}/${KEY} to version v1, but releasing the lock failed: item "${BUCKET}/${KEY}" of ${TABLE} left behind with lock ID ${lockId} (ThrottlingException: ThrottlingException (fake)): delete it once AWS answers again`,
      ),
    );
    expect(fake.history(BUCKET, KEY)).toEqual([
      `v1:${state('L1', 1)}`,
      `v2:${state('L1', 2)}`,
      `v3:${restored('L1', 3)}`,
    ]);
  });
  test('s3 locking: a lockfile lock, no digest item (there is no table)', async () => {
    const fake = new FakeAws();
    const old = fake.put(BUCKET, KEY, state('L1', 1));
    fake.put(BUCKET, KEY, state('L1', 2));
    expect(await restoreStateVersion(fake.clients, s3Locking, KEY, old)).toMatchObject({
      serial: 3,
      replaced: 'same-lineage',
    });
    expect(fake.items.size).toBe(0);
    const [lock, marker] = fake.objects.get(`${BUCKET}/${KEY}.tflock`)!;
    expect(JSON.parse(lock.body!)).toMatchObject({
      Operation: 'tfstate-restore',
      Info: '',
      Version: '',
      Path: `${BUCKET}/${KEY}`,
    });
    expect(marker.body).toBeUndefined();
  });
});
