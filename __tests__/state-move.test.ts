// moveState against an in-memory versioned bucket and lock table (the commands ops/keys.ts sends), for the
// cases the emulator scenario does not reach.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { moveState } from '../ops/keys';
import { StateClients, StateOperationError } from '../ops/state';
import { configFrom } from './helpers';

interface Version {
  readonly versionId: string;
  readonly body: string | undefined;
  readonly at: number;
}

const failure = (name: string) => Object.assign(new Error(name), { name });

/** Versioned objects and table items, answering the commands by their class name. */
function fakeClients(): { clients: StateClients; objects: Map<string, Version[]>; items: Map<string, Record<string, { S: string }>> } {
  const objects = new Map<string, Version[]>();
  const items = new Map<string, Record<string, { S: string }>>();
  let clock = 0;
  const put = (key: string, body: string | undefined) => objects.set(key, [...(objects.get(key) ?? []), { versionId: `v${++clock}`, body, at: clock }]);
  const current = (key: string) => objects.get(key)?.at(-1);
  const s3 = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const input = command.input as { Key: string; Body?: string; IfNoneMatch?: string; VersionId?: string; Prefix?: string };
      switch (command.constructor.name) {
        case 'GetObjectCommand': {
          const version = input.VersionId ? objects.get(input.Key)?.find((v) => v.versionId === input.VersionId) : current(input.Key);
          if (version?.body === undefined) throw failure('NoSuchKey');
          return { Body: { transformToString: async () => version.body } };
        }
        case 'PutObjectCommand':
          if (input.IfNoneMatch === '*' && current(input.Key)?.body !== undefined) throw failure('PreconditionFailed');
          put(input.Key, String(input.Body));
          return {};
        case 'DeleteObjectCommand':
          put(input.Key, undefined);
          return {};
        case 'ListObjectVersionsCommand': {
          const listed = [...objects].filter(([key]) => key.startsWith(input.Prefix ?? ''));
          const entries = (markers: boolean) =>
            listed.flatMap(([key, versions]) =>
              versions.filter((v) => (v.body === undefined) === markers).map((v) => ({ Key: key, VersionId: v.versionId, LastModified: new Date(v.at * 1000), Size: v.body?.length ?? 0, IsLatest: v === versions.at(-1) })),
            );
          return { Versions: entries(false), DeleteMarkers: entries(true), IsTruncated: false };
        }
      }
      throw new Error(`fake S3: ${command.constructor.name}`);
    },
  };
  const dynamodb = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const input = command.input as { Item?: Record<string, { S: string }>; Key?: { LockID: { S: string } }; ConditionExpression?: string };
      const id = input.Item?.LockID.S ?? input.Key!.LockID.S;
      switch (command.constructor.name) {
        case 'GetItemCommand':
          return { Item: items.get(id) };
        case 'PutItemCommand':
          if (input.ConditionExpression === 'attribute_not_exists(LockID)' && items.has(id)) throw failure('ConditionalCheckFailedException');
          items.set(id, input.Item!);
          return {};
        case 'DeleteItemCommand': {
          const old = items.get(id);
          items.delete(id);
          return { Attributes: old };
        }
      }
      throw new Error(`fake DynamoDB: ${command.constructor.name}`);
    },
  };
  return { clients: { s3: s3 as unknown as S3Client, dynamodb: dynamodb as unknown as DynamoDBClient }, objects, items };
}

const config = configFrom({ TFSTATE_LOCKING: 'dynamodb' });
const BUCKET = config.bucket;
const state = (lineage: string, serial: number) => JSON.stringify({ version: 4, serial, lineage, resources: [] });

describe('state move', () => {
  test('moves the current state and its digest, leaving no lock', async () => {
    const { clients, objects, items } = fakeClients();
    objects.set('app/terraform.tfstate', [{ versionId: 'v0', body: state('L1', 3), at: 0 }]);
    await moveState(clients, config, 'app/terraform.tfstate', 'network/terraform.tfstate', BUCKET, () => undefined);
    expect(objects.get('network/terraform.tfstate')?.at(-1)?.body).toBe(state('L1', 3));
    expect(objects.get('app/terraform.tfstate')?.at(-1)?.body).toBeUndefined();
    expect([...items.keys()]).toEqual([`${BUCKET}/network/terraform.tfstate-md5`]);
  });

  test('a source that never existed is refused, even when the target holds a state (a typo is no interrupted move)', async () => {
    const { clients, objects, items } = fakeClients();
    objects.set('env/dev/terraform.tfstate', [{ versionId: 'v0', body: state('DEV', 9), at: 0 }]);
    const said: string[] = [];
    await expect(moveState(clients, config, 'app/terraform.tfstat', 'env/dev/terraform.tfstate', BUCKET, (line) => said.push(line))).rejects.toThrow(
      new StateOperationError(`s3://${BUCKET}/app/terraform.tfstat has no current state to move (see: npm run state -- list)`),
    );
    expect(said).toEqual([]);
    expect([...items.keys()]).toEqual([]);
  });

  test('a source deleted by hand whose last version is another state than the target\'s is refused too', async () => {
    const { clients, objects } = fakeClients();
    objects.set('app/terraform.tfstate', [
      { versionId: 'v0', body: state('APP', 1), at: 0 },
      { versionId: 'v1', body: undefined, at: 1 },
    ]);
    objects.set('env/dev/terraform.tfstate', [{ versionId: 'v2', body: state('DEV', 9), at: 2 }]);
    await expect(moveState(clients, config, 'app/terraform.tfstate', 'env/dev/terraform.tfstate', BUCKET, () => undefined)).rejects.toThrow(
      `s3://${BUCKET}/app/terraform.tfstate has no current state, and s3://${BUCKET}/env/dev/terraform.tfstate holds another state than its last version: no move to finish`,
    );
  });

  test('a move interrupted after the source was removed finishes: digest written, source digest removed', async () => {
    const { clients, objects, items } = fakeClients();
    objects.set('app/terraform.tfstate', [
      { versionId: 'v0', body: state('L1', 3), at: 0 },
      { versionId: 'v1', body: undefined, at: 1 },
    ]);
    objects.set('network/terraform.tfstate', [{ versionId: 'v2', body: state('L1', 3), at: 2 }]);
    items.set(`${BUCKET}/app/terraform.tfstate-md5`, { LockID: { S: `${BUCKET}/app/terraform.tfstate-md5` }, Digest: { S: 'x' } });
    const said: string[] = [];
    await moveState(clients, config, 'app/terraform.tfstate', 'network/terraform.tfstate', BUCKET, (line) => said.push(line));
    expect(said.at(-1)).toBe(`moved s3://${BUCKET}/app/terraform.tfstate to s3://${BUCKET}/network/terraform.tfstate`);
    expect([...items.keys()]).toEqual([`${BUCKET}/network/terraform.tfstate-md5`]);
  });
});
