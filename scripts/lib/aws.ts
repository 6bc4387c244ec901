// AWS SDK clients for one endpoint (real AWS or an emulator) and the few state-bucket operations the
// commands share: existence, listing, emptying a versioned bucket, reading lock items.
import { HeadBucketCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { deleteObjectVersions } from '../../ops/keys';
import { listObjectVersions } from '../../ops/state';

export interface AwsClients {
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  readonly kms: KMSClient;
}

/** Credentials an emulator accepts; never real ones. */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

/** The environment a terraform/cdktf process needs to talk to an emulator instead of AWS. */
export function emulatorEnv(endpoint: string, region: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
    AWS_REGION: region,
  };
}

/** Clients for `region`; with an endpoint they talk to it path-style with the emulator credentials. */
export function awsClients(region: string, endpoint: string | undefined): AwsClients {
  // The SDK warns on Node < 22 that releases after January 2027 will need it; ours is pinned (package.json),
  // so the eight-line warning would only bury the command's own output. A user's explicit setting wins.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const common = endpoint === undefined ? { region } : { region, endpoint, credentials: EMULATOR_CREDENTIALS };
  return {
    s3: new S3Client({ ...common, forcePathStyle: endpoint !== undefined }),
    dynamodb: new DynamoDBClient(common),
    kms: new KMSClient(common),
  };
}

export async function bucketExists(s3: S3Client, bucket: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404) return false;
    throw error;
  }
}

/** Deletes every version and delete marker (a versioned bucket is only deletable when this is done). */
export async function emptyBucket(s3: S3Client, bucket: string): Promise<number> {
  const versions = await listObjectVersions(s3, bucket);
  await deleteObjectVersions(s3, bucket, versions);
  return versions.length;
}

/** How an object is encrypted at rest, as S3 reports it. */
export async function objectEncryption(s3: S3Client, bucket: string, key: string): Promise<{ sse?: string; kmsKeyId?: string }> {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return { sse: head.ServerSideEncryption, kmsKeyId: head.SSEKMSKeyId };
}

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
