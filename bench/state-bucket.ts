// The bucket `npm run bench` lists with `state list`: a moto server (bench/moto-states.py) holding a versioned
// state bucket with its state keys, the digest item Terraform keeps beside each in the lock table, and a few held
// locks (table items and lockfiles), as a busy organization's bucket has them.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BatchWriteItemCommand, CreateTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { digestLockId, lockfileKey, lockItemId } from '../config/naming';
import { awsClients, emulatorEnv } from '../scripts/lib/aws';
import { freePort, VENV_DIR } from '../scripts/lib/emulator';
import { killGroup } from '../scripts/lib/run';

const BUCKET = 'tfstate-bench-us-east-1';
const TABLE = 'terraform-locks';
const REGION = 'us-east-1';
/** Every this many keys one is locked, in the table and by a lockfile. */
const LOCKED_EVERY = 1000;
/** Items per BatchWriteItem: DynamoDB's limit. */
const ITEMS_PER_BATCH = 25;
/** BatchWriteItem requests in flight: moto answers a few at once. */
const POOL = 8;

/** The i-th state key (0-based), spread over account folders as organization mode lays them out. */
function benchKey(i: number): string {
  return `accounts/${100000000000 + (i % 100)}/stack-${i}/terraform.tfstate`;
}

export interface StateBucket {
  /** Environment of `npm run state -- list` and of the raw listing (bench/raw-listing.ts). */
  readonly env: Record<string, string>;
  /** Adds state keys until the bucket holds `count`. */
  fill(count: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the server with an empty bucket and lock table (locking `both`: the table and the lockfiles are read). */
export async function startStateBucket(root: string): Promise<StateBucket> {
  const port = await freePort();
  const python = join(root, VENV_DIR, 'bin', 'python');
  const child = spawn(python, [join(__dirname, 'moto-states.py'), String(port)], {
    detached: true,
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  // A bench that dies midway must not leave the server behind.
  const kill = () => killGroup(child.pid, 'SIGKILL');
  process.once('exit', kill);
  const answers = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const answer = async (expected: string) => {
    const { value } = await answers.next();
    if (value !== expected) throw new Error(`bench/moto-states.py answered ${JSON.stringify(value)}, not ${expected}`);
  };
  await answer('ready');
  const endpoint = `http://127.0.0.1:${port}`;
  const { s3, dynamodb } = awsClients(REGION, endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
  await dynamodb.send(
    new CreateTableCommand({
      TableName: TABLE,
      AttributeDefinitions: [{ AttributeName: 'LockID', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'LockID', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  let filled = 0;
  const lock = (key: string) =>
    JSON.stringify({ ID: `bench-${key}`, Operation: 'OperationTypeApply', Who: 'ci@bench' });
  return {
    env: {
      ...emulatorEnv(endpoint, REGION),
      TFSTATE_BUCKET: BUCKET,
      TFSTATE_LOCK_TABLE: TABLE,
      TFSTATE_LOCKING: 'both',
    },
    async fill(count) {
      const added = Array.from({ length: count - filled }, (_, i) => filled + i);
      const objects = added.flatMap((i) => [
        [benchKey(i), `{"version":4,"serial":${i}}`],
        ...(i % LOCKED_EVERY === 0 ? [[lockfileKey(benchKey(i)), lock(benchKey(i))]] : []),
      ]);
      child.stdin!.write(`${JSON.stringify([BUCKET, objects])}\n`);
      await answer('done');
      const digests = added.map((i) => ({
        LockID: { S: digestLockId(BUCKET, benchKey(i)) },
        Digest: { S: '0'.repeat(32) },
      }));
      const batches = Array.from({ length: Math.ceil(digests.length / ITEMS_PER_BATCH) }, (_, b) =>
        digests.slice(b * ITEMS_PER_BATCH, (b + 1) * ITEMS_PER_BATCH).map((Item) => ({ PutRequest: { Item } })),
      );
      const worker = async () => {
        for (let batch = batches.pop(); batch; batch = batches.pop())
          await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: batch } }));
      };
      await Promise.all(Array.from({ length: POOL }, worker));
      for (const i of added.filter((i) => i % LOCKED_EVERY === 0)) {
        const Item = { LockID: { S: lockItemId(BUCKET, benchKey(i)) }, Info: { S: lock(benchKey(i)) } };
        await dynamodb.send(new PutItemCommand({ TableName: TABLE, Item }));
      }
      filled = count;
    },
    async stop() {
      process.removeListener('exit', kill);
      child.stdin!.end();
      const exited = once(child, 'exit');
      const force = setTimeout(kill, 5_000);
      await exited;
      clearTimeout(force);
    },
  };
}
