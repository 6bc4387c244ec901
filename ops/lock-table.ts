// The DynamoDB lock table read whole: Terraform's lock items and the digests it keeps beside each state.
import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';

/** Every item of the lock table as LockID -> other attributes (strings). */
export async function lockItems(dynamodb: DynamoDBClient, table: string): Promise<Map<string, Record<string, string>>> {
  const items = new Map<string, Record<string, string>>();
  let start: Record<string, never> | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) {
      const flat: Record<string, string> = {};
      for (const [name, value] of Object.entries(item)) flat[name] = value.S ?? value.N ?? JSON.stringify(value);
      items.set(flat.LockID, flat);
    }
    start = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start !== undefined);
  return items;
}
