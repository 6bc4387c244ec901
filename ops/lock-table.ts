// The DynamoDB lock table: Terraform's lock items and the digest it keeps beside each state, which Terraform checks
// on every read (without it, or with a stale one, it refuses the state).
import { createHash } from 'node:crypto';
import { DeleteItemCommand, type DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { digestLockId } from '../config/naming';
import type { StateRef } from './operation';

/** Every item of the lock table as LockID -> other attributes (strings), read consistently: a lock just taken is held. */
export async function lockItems(dynamodb: DynamoDBClient, table: string): Promise<Map<string, Record<string, string>>> {
  const items = new Map<string, Record<string, string>>();
  let start: Record<string, never> | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    for (const item of page.Items ?? []) {
      const flat: Record<string, string> = {};
      for (const [name, value] of Object.entries(item)) flat[name] = value.S ?? value.N ?? JSON.stringify(value);
      items.set(flat.LockID, flat);
    }
    start = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start !== undefined);
  return items;
}

export function md5Hex(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

/** Writes the digest of `text` as the state at `ref`; returns it. */
export async function writeDigest(
  dynamodb: DynamoDBClient,
  table: string,
  ref: StateRef,
  text: string,
): Promise<string> {
  const digest = md5Hex(text);
  await dynamodb.send(
    new PutItemCommand({
      TableName: table,
      Item: { LockID: { S: digestLockId(ref.bucket, ref.key) }, Digest: { S: digest } },
    }),
  );
  return digest;
}

/** Deletes the digest item of `ref`; true when there was one. */
export async function deleteDigest(dynamodb: DynamoDBClient, table: string, ref: StateRef): Promise<boolean> {
  const result = await dynamodb.send(
    new DeleteItemCommand({
      TableName: table,
      Key: { LockID: { S: digestLockId(ref.bucket, ref.key) } },
      ReturnValues: 'ALL_OLD',
    }),
  );
  return result.Attributes !== undefined;
}
