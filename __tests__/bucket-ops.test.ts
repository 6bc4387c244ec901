// ops/bucket.ts and ops/lock-table.ts against fake clients that record the commands sent and answer from a script.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { bucketExists, objectEncryption } from '../ops/bucket';
import { lockItems } from '../ops/lock-table';

interface Sent {
  readonly command: string;
  readonly input: Record<string, unknown>;
}

/** A client whose send records each command and answers with the next scripted answer (an Error is thrown). */
function fakeClient<C>(answers: readonly unknown[]): { client: C; sent: Sent[] } {
  const sent: Sent[] = [];
  const queue = [...answers];
  const send = async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    sent.push({ command: command.constructor.name, input: command.input });
    if (queue.length === 0) throw new Error(`fake client: no answer left for ${command.constructor.name}`);
    const answer = queue.shift();
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { client: { send } as unknown as C, sent };
}

const awsError = (name: string, status: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

describe('bucketExists', () => {
  test('asks HeadBucket for the named bucket: an answer is true', async () => {
    const { client, sent } = fakeClient<S3Client>([{}]);
    expect(await bucketExists(client, 'tfstate-b')).toBe(true);
    expect(sent).toEqual([{ command: 'HeadBucketCommand', input: { Bucket: 'tfstate-b' } }]);
  });
  test("S3's 404 is false", async () => {
    const { client } = fakeClient<S3Client>([awsError('NotFound', 404)]);
    expect(await bucketExists(client, 'tfstate-b')).toBe(false);
  });
  test('denied is never taken for a missing bucket: true, the requests that follow decide', async () => {
    const { client } = fakeClient<S3Client>([awsError('Forbidden', 403)]);
    expect(await bucketExists(client, 'tfstate-b')).toBe(true);
  });
  test('any other failure is thrown on', async () => {
    const { client: redirect } = fakeClient<S3Client>([awsError('PermanentRedirect', 301)]);
    await expect(bucketExists(redirect, 'tfstate-b')).rejects.toThrow('PermanentRedirect');
    const { client: silent } = fakeClient<S3Client>([new Error('socket hang up')]);
    await expect(bucketExists(silent, 'tfstate-b')).rejects.toThrow('socket hang up');
  });
});

test('objectEncryption: the encryption S3 reports for the named object', async () => {
  const { client, sent } = fakeClient<S3Client>([
    { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'arn:aws:kms:us-east-1:123456789012:key/k' },
  ]);
  expect(await objectEncryption(client, 'tfstate-b', 'app/terraform.tfstate')).toEqual({
    sse: 'aws:kms',
    kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/k',
  });
  expect(sent).toEqual([
    { command: 'HeadObjectCommand', input: { Bucket: 'tfstate-b', Key: 'app/terraform.tfstate' } },
  ]);
});

describe('lockItems', () => {
  test('every item of every page, by LockID, each attribute as its string (numbers too, others as JSON)', async () => {
    const { client, sent } = fakeClient<DynamoDBClient>([
      {
        Items: [{ LockID: { S: 'tfstate-b/app/terraform.tfstate-md5' }, Digest: { S: 'abc' } }],
        LastEvaluatedKey: { LockID: { S: 'tfstate-b/app/terraform.tfstate-md5' } },
      },
      {
        Items: [
          {
            LockID: { S: 'tfstate-b/app/terraform.tfstate' },
            Info: { S: '{"ID":"1"}' },
            Count: { N: '3' },
            Held: { BOOL: true },
          },
        ],
      },
    ]);
    const items = await lockItems(client, 'terraform-locks');
    expect([...items]).toEqual([
      ['tfstate-b/app/terraform.tfstate-md5', { LockID: 'tfstate-b/app/terraform.tfstate-md5', Digest: 'abc' }],
      [
        'tfstate-b/app/terraform.tfstate',
        { LockID: 'tfstate-b/app/terraform.tfstate', Info: '{"ID":"1"}', Count: '3', Held: '{"BOOL":true}' },
      ],
    ]);
    expect(sent).toEqual([
      {
        command: 'ScanCommand',
        input: { TableName: 'terraform-locks', ExclusiveStartKey: undefined, ConsistentRead: true },
      },
      {
        command: 'ScanCommand',
        input: {
          TableName: 'terraform-locks',
          ExclusiveStartKey: { LockID: { S: 'tfstate-b/app/terraform.tfstate-md5' } },
          ConsistentRead: true,
        },
      },
    ]);
  });

  test('an empty table: no items, one scan', async () => {
    const { client, sent } = fakeClient<DynamoDBClient>([{}]);
    expect((await lockItems(client, 'terraform-locks')).size).toBe(0);
    expect(sent).toHaveLength(1);
  });
});
