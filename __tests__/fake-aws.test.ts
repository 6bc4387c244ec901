// The in-memory AWS of fake-aws.ts answers as S3 does where the ops/ tests could come to rely on it: each
// expectation is S3's documented answer, and where moto 5.2.5 answers the same it was checked there too.
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  type ListObjectVersionsCommandOutput,
} from '@aws-sdk/client-s3';
import { FakeAws } from './fake-aws';

const BUCKET = 'tfstate-0a1b2c3d4e5f-us-east-1';
const list = async (fake: FakeAws, markers: { KeyMarker?: string; VersionIdMarker?: string } = {}) =>
  (await fake.clients.s3.send(
    new ListObjectVersionsCommand({ Bucket: BUCKET, ...markers }),
  )) as ListObjectVersionsCommandOutput;
const entries = (page: ListObjectVersionsCommandOutput) =>
  [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((entry) => `${entry.Key} ${entry.VersionId}`);

describe('ListObjectVersions', () => {
  test('Size is the length of the body in bytes, not in characters', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, 'app/terraform.tfstate', 'é€');
    expect((await list(fake)).Versions?.[0].Size).toBe(5);
  });

  test('keys come in UTF-8 byte order', async () => {
    const fake = new FakeAws();
    for (const key of ['\u{1F600}', '\uFF21', 'é', 'z']) fake.put(BUCKET, key, 'x');
    expect(entries(await list(fake))).toEqual(['z v4', 'é v3', '\uFF21 v2', '\u{1F600} v1']);
  });
});

describe('deleting', () => {
  test('DeleteObject with a VersionId deletes that version for good, and adds no delete marker', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, 'k', 'one');
    fake.put(BUCKET, 'k', 'two');
    await fake.clients.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'k', VersionId: 'v1' }));
    expect(fake.history(BUCKET, 'k')).toEqual(['v2:two']);
  });

  test('a DeleteObjects entry without a VersionId adds a delete marker, as DeleteObject does', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, 'k', 'one');
    await fake.clients.s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'k' }] } }));
    expect(fake.history(BUCKET, 'k')).toEqual(['v1:one', 'v2:marker']);
  });
});

describe('GetObject', () => {
  test('of a delete marker by its version id: 405 MethodNotAllowed, which is not "missing"', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, 'k', 'one');
    fake.put(BUCKET, 'k', undefined);
    await expect(
      fake.clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'k', VersionId: 'v2' })),
    ).rejects.toMatchObject({
      name: 'MethodNotAllowed',
      $metadata: { httpStatusCode: 405 },
    });
  });

  test('of the key whose latest version is a delete marker: 404 NoSuchKey', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, 'k', 'one');
    fake.put(BUCKET, 'k', undefined);
    await expect(fake.clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'k' }))).rejects.toMatchObject({
      name: 'NoSuchKey',
      $metadata: { httpStatusCode: 404 },
    });
  });

  test('of a version id that never existed: 404 NoSuchVersion', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, 'k', 'one');
    await expect(
      fake.clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'k', VersionId: 'v9' })),
    ).rejects.toMatchObject({
      name: 'NoSuchVersion',
      $metadata: { httpStatusCode: 404 },
    });
  });
});

describe('versioning suspended', () => {
  test('a write or a delete is the version "null", replacing the last one; versions from before stay', async () => {
    const fake = new FakeAws();
    fake.put(BUCKET, 'k', 'kept');
    fake.versioning.set(BUCKET, 'Suspended');
    fake.put(BUCKET, 'k', 'first');
    fake.put(BUCKET, 'k', 'second');
    expect(fake.history(BUCKET, 'k')).toEqual(['v1:kept', 'null:second']);
    await fake.clients.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'k' }));
    expect(fake.history(BUCKET, 'k')).toEqual(['v1:kept', 'null:marker']);
  });
});
