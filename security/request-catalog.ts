// The requests each consumer of the backend really makes to S3, DynamoDB and KMS, read from its source,
// and the hostile requests the policies must refuse. __tests__/policy-simulation.test.ts decides every row
// with an IAM policy simulator against the synthesized real-AWS documents; the matrix in docs/security.md is rendered
// from this list.

import { markdownCell } from '../markdown';

/** Who makes the request, with which identity policy (see __tests__/policy-simulation.test.ts). */
export type Consumer =
  | 'terraform (dynamodb)'
  | 'terraform (s3 lockfile)'
  | 'terraform (both)'
  | 'read-only user'
  | 'lokomotive'
  | 'kops'
  | 'team writer (one key)'
  | 'cross-account writer'
  | 'cross-account reader'
  | 'cross-account writer, all-powerful at home'
  | 'cross-account reader, all-powerful at home'
  | 'replication role'
  | 's3 log delivery'
  | 'operator (npm run state)'
  | 'stranger account';

/** Headers of a PutObject as sent; the simulation derives the SSE condition keys from them under each reading. */
export interface Upload {
  readonly sse?: 'aws:kms' | 'AES256';
  /** x-amz-server-side-encryption-aws-kms-key-id as sent: `key-arn`, `key-id`, `alias`, `alias-arn`, `aws-s3-key`, `other-account-key`. */
  readonly keyId?: 'key-arn' | 'key-id' | 'alias' | 'alias-arn' | 'aws-s3-key' | 'other-account-key';
  readonly customerKey?: true;
}

export interface CatalogRow {
  readonly consumer: Consumer;
  readonly request: string;
  readonly action: string;
  /** Resource, with {bucket}, {bucketName}, {key}, {otherKey}, {table}, {logs}, {replica}, {replicaKey}, {role} placeholders; `{key}` is the state KMS key. */
  readonly resource: string;
  readonly upload?: Upload;
  /** Further condition keys of the request (dynamodb:LeadingKeys, kms:EncryptionContext, aws:SourceArn ...). */
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
  /** A service principal that makes this request instead of the consumer. @default the consumer's principal */
  readonly principal?: string;
  /** Made without TLS (aws:SecureTransport=false). @default false */
  readonly insecure?: true;
  readonly expected: 'Allowed' | 'Denied';
  /** Where the request comes from: file and function in the consumer's source, or AWS's documentation. */
  readonly source: string;
}

const TF = 'terraform v1.11.4 internal/backend/remote-state/s3/';
const KOPS = 'kops util/pkg/vfs/';
const S3_KMS = 'S3 calls KMS for SSE-KMS on the caller\'s behalf (S3 user guide, "Using SSE-KMS")';

const STATE = '{bucket}/app/terraform.tfstate';
const ENV_STATE = '{bucket}/env/dev/terraform.tfstate';
const WORKSPACE_STATE = '{bucket}/env:/blue/app/terraform.tfstate';
const NESTED_ENV_KEY = 'env/dev/team/terraform.tfstate';
const NESTED_ENV_STATE = `{bucket}/${NESTED_ENV_KEY}`;
const OTHER_TEAM_WORKSPACE_STATE = '{bucket}/env:/blue/platform/network/terraform.tfstate';
const lockId = (key: string) => ({ 'dynamodb:LeadingKeys': [`{bucketName}/${key}`] });

/** What Terraform does for one state key with a locking mode; `upload` is how its backend block encrypts. */
function terraformRun(
  consumer: Consumer,
  key: string,
  locking: 'dynamodb' | 's3' | 'both',
  upload: Upload,
): CatalogRow[] {
  const object = `{bucket}/${key}`;
  const rows: CatalogRow[] = [
    {
      consumer,
      request: `init of a new key: 404 needs ListBucket (${key})`,
      action: 's3:ListBucket',
      resource: '{bucket}',
      expected: 'Allowed',
      source: `${TF}client.go Get (HeadObject: only NotFound means no state)`,
    },
    {
      consumer,
      request: `read state (${key})`,
      action: 's3:GetObject',
      resource: object,
      expected: 'Allowed',
      source: `${TF}client.go Get`,
    },
    {
      consumer,
      request: `write state (${key})`,
      action: 's3:PutObject',
      resource: object,
      upload,
      expected: 'Allowed',
      source: `${TF}client.go Put`,
    },
    {
      consumer,
      request: `decrypt state through S3 (${key})`,
      action: 'kms:Decrypt',
      resource: '{key}',
      context: { via: 's3' },
      expected: 'Allowed',
      source: S3_KMS,
    },
    {
      consumer,
      request: `data key for a write through S3 (${key})`,
      action: 'kms:GenerateDataKey',
      resource: '{key}',
      context: { via: 's3' },
      expected: 'Allowed',
      source: S3_KMS,
    },
  ];
  if (locking !== 's3') {
    rows.push(
      {
        consumer,
        request: `lock item put (${key})`,
        action: 'dynamodb:PutItem',
        resource: '{table}',
        context: lockId(key),
        expected: 'Allowed',
        source: `${TF}client.go lockWithDynamoDB`,
      },
      {
        consumer,
        request: `lock item read (${key})`,
        action: 'dynamodb:GetItem',
        resource: '{table}',
        context: lockId(key),
        expected: 'Allowed',
        source: `${TF}client.go unlockWithDynamoDB (getLockInfoWithDynamoDB)`,
      },
      {
        consumer,
        request: `lock item delete (${key})`,
        action: 'dynamodb:DeleteItem',
        resource: '{table}',
        context: lockId(key),
        expected: 'Allowed',
        source: `${TF}client.go unlockWithDynamoDB`,
      },
      {
        consumer,
        request: `digest read (${key})`,
        action: 'dynamodb:GetItem',
        resource: '{table}',
        context: lockId(`${key}-md5`),
        expected: 'Allowed',
        source: `${TF}client.go getMD5`,
      },
      {
        consumer,
        request: `digest write (${key})`,
        action: 'dynamodb:PutItem',
        resource: '{table}',
        context: lockId(`${key}-md5`),
        expected: 'Allowed',
        source: `${TF}client.go putMD5`,
      },
    );
  }
  if (locking !== 'dynamodb') {
    rows.push(
      {
        consumer,
        request: `lockfile put with If-None-Match (${key})`,
        action: 's3:PutObject',
        resource: `${object}.tflock`,
        upload,
        expected: 'Allowed',
        source: `${TF}client.go lockWithFile (IfNoneMatch *)`,
      },
      {
        consumer,
        request: `lockfile read (${key})`,
        action: 's3:GetObject',
        resource: `${object}.tflock`,
        expected: 'Allowed',
        source: `${TF}client.go unlockWithFile`,
      },
      {
        consumer,
        request: `lockfile delete (${key})`,
        action: 's3:DeleteObject',
        resource: `${object}.tflock`,
        expected: 'Allowed',
        source: `${TF}client.go unlockWithFile`,
      },
    );
  }
  return rows;
}

const TERRAFORM_UPLOAD: Upload = { sse: 'aws:kms', keyId: 'alias' };

/**
 * A state above 5 MiB: Terraform uploads through the SDK's upload manager (manager.NewUploader), which turns
 * it into a multipart upload. Every part is s3:PutObject; only CreateMultipartUpload carries the SSE headers,
 * and S3 needs kms:Decrypt besides GenerateDataKey to complete an SSE-KMS multipart upload.
 */
function multipartRows(consumer: Consumer, object: string, upload: Upload): CatalogRow[] {
  const source = `${TF}client.go PutObject (manager.NewUploader: multipart above 5 MiB); S3 user guide, "Multipart upload and permissions"`;
  return [
    {
      consumer,
      request: 'state above 5 MiB: CreateMultipartUpload with the SSE headers',
      action: 's3:PutObject',
      resource: object,
      upload,
      expected: 'Allowed',
      source,
    },
    {
      consumer,
      request: 'state above 5 MiB: UploadPart (no SSE header)',
      action: 's3:PutObject',
      resource: object,
      upload: {},
      expected: 'Allowed',
      source,
    },
    {
      consumer,
      request: 'state above 5 MiB: CompleteMultipartUpload decrypts the data key',
      action: 'kms:Decrypt',
      resource: '{key}',
      context: { via: 's3' },
      expected: 'Allowed',
      source,
    },
  ];
}

function terraformConsumer(consumer: Consumer, locking: 'dynamodb' | 's3' | 'both'): CatalogRow[] {
  return [
    ...terraformRun(consumer, 'app/terraform.tfstate', locking, TERRAFORM_UPLOAD),
    ...terraformRun(consumer, 'env/dev/terraform.tfstate', locking, TERRAFORM_UPLOAD),
    ...terraformRun(consumer, 'env:/blue/app/terraform.tfstate', locking, TERRAFORM_UPLOAD),
    ...multipartRows(consumer, STATE, TERRAFORM_UPLOAD),
    {
      consumer,
      request: 'workspace list (prefix env:/)',
      action: 's3:ListBucket',
      resource: '{bucket}',
      context: { 's3:prefix': 'env:/' },
      expected: 'Allowed',
      source: `${TF}backend_state.go Workspaces`,
    },
    {
      consumer,
      request: 'workspace delete',
      action: 's3:DeleteObject',
      resource: WORKSPACE_STATE,
      expected: 'Allowed',
      source: `${TF}backend_state.go DeleteWorkspace`,
    },
    {
      consumer,
      request: 'delete the default state',
      action: 's3:DeleteObject',
      resource: STATE,
      expected: 'Denied',
      source: 'hostile: the current state is never deleted by a state user',
    },
    {
      consumer,
      request: 'read bootstrap state',
      action: 's3:GetObject',
      resource: '{bucket}/bootstrap/terraform.tfstate',
      expected: 'Denied',
      source: "hostile: bootstrap state is the operator's",
    },
    {
      consumer,
      request: 'write a key outside the project',
      action: 's3:PutObject',
      resource: '{bucket}/env/dev/other.tfstate',
      upload: TERRAFORM_UPLOAD,
      expected: 'Denied',
      source: 'hostile: the environment pattern reaches only <prefix>/<env>/terraform.tfstate',
    },
    {
      consumer,
      request: 'write a key one folder below an environment',
      action: 's3:PutObject',
      resource: NESTED_ENV_STATE,
      upload: TERRAFORM_UPLOAD,
      expected: 'Denied',
      source: 'hostile: IAM\'s * matches "/", an environment name never does',
    },
    {
      consumer,
      request: 'lock a key one folder below an environment',
      action: 'dynamodb:PutItem',
      resource: '{table}',
      context: lockId(NESTED_ENV_KEY),
      expected: 'Denied',
      source: 'hostile: IAM\'s * matches "/", an environment name never does',
    },
    {
      consumer,
      request: "delete a workspace state of a key ending in the project's key",
      action: 's3:DeleteObject',
      resource: '{bucket}/env:/blue/team/app/terraform.tfstate',
      expected: 'Denied',
      source: 'hostile: IAM\'s * matches "/", a workspace name never does',
    },
    {
      consumer,
      request: 'write without TLS',
      action: 's3:PutObject',
      resource: STATE,
      upload: TERRAFORM_UPLOAD,
      insecure: true,
      expected: 'Denied',
      source: 'hostile: TLS only',
    },
    {
      consumer,
      request: 'write with SSE-S3 (AES256)',
      action: 's3:PutObject',
      resource: STATE,
      upload: { sse: 'AES256' },
      expected: 'Denied',
      source: `hostile: ${TF}client.go Put with encrypt and no kms_key_id`,
    },
    {
      consumer,
      request: 'write with aws:kms and no key id (aws/s3)',
      action: 's3:PutObject',
      resource: STATE,
      upload: { sse: 'aws:kms' },
      expected: 'Denied',
      source: 'hostile: S3 PutObject reference, aws/s3 is used',
    },
    {
      consumer,
      request: 'write naming the aws/s3 key',
      action: 's3:PutObject',
      resource: STATE,
      upload: { sse: 'aws:kms', keyId: 'aws-s3-key' },
      expected: 'Denied',
      source: "hostile: not the state's KMS key",
    },
    {
      consumer,
      request: "write naming another account's key",
      action: 's3:PutObject',
      resource: STATE,
      upload: { sse: 'aws:kms', keyId: 'other-account-key' },
      expected: 'Denied',
      source: "hostile: not the state's KMS key",
    },
    {
      consumer,
      request: 'write with SSE-C',
      action: 's3:PutObject',
      resource: STATE,
      upload: { customerKey: true },
      expected: 'Denied',
      source: "hostile: customer keys are not the state's KMS key",
    },
    {
      consumer,
      request: 'lock item of the bootstrap key',
      action: 'dynamodb:PutItem',
      resource: '{table}',
      context: lockId('bootstrap/terraform.tfstate'),
      expected: 'Denied',
      source: 'hostile: lock items of other keys',
    },
    {
      consumer,
      request: 'change the bucket policy',
      action: 's3:PutBucketPolicy',
      resource: '{bucket}',
      expected: 'Denied',
      source: 'hostile: policy changes',
    },
    {
      consumer,
      request: 'change the bucket encryption',
      action: 's3:PutEncryptionConfiguration',
      resource: '{bucket}',
      expected: 'Denied',
      source: 'hostile: encryption changes',
    },
    {
      consumer,
      request: 'decrypt directly, not through S3',
      action: 'kms:Decrypt',
      resource: '{key}',
      expected: 'Denied',
      source: 'hostile: the key serves S3 only',
    },
  ];
}

const KOPS_STORE = '{bucket}/kops/cluster.example.com/config';

function kopsRows(consumer: Consumer): CatalogRow[] {
  return [
    {
      consumer,
      request: 'locate the bucket',
      action: 's3:GetBucketLocation',
      resource: '{bucket}',
      expected: 'Allowed',
      source: `${KOPS}s3context.go getDetailsForBucket`,
    },
    {
      consumer,
      request: 'read default encryption',
      action: 's3:GetEncryptionConfiguration',
      resource: '{bucket}',
      expected: 'Allowed',
      source: `${KOPS}s3context.go hasServerSideEncryptionByDefault`,
    },
    {
      consumer,
      request: 'list the store',
      action: 's3:ListBucket',
      resource: '{bucket}',
      context: { 's3:prefix': 'kops/' },
      expected: 'Allowed',
      source: `${KOPS}s3fs.go ReadDir`,
    },
    {
      consumer,
      request: 'read a file (404 when absent needs ListBucket)',
      action: 's3:ListBucket',
      resource: '{bucket}',
      expected: 'Allowed',
      source: `${KOPS}s3fs.go CreateFile (only NoSuchKey means absent)`,
    },
    {
      consumer,
      request: 'read a file',
      action: 's3:GetObject',
      resource: KOPS_STORE,
      expected: 'Allowed',
      source: `${KOPS}s3fs.go ReadFile`,
    },
    {
      consumer,
      request: 'write a file, default encryption readable (no SSE header)',
      action: 's3:PutObject',
      resource: KOPS_STORE,
      upload: {},
      expected: 'Allowed',
      source: `${KOPS}s3fs.go WriteFile (getServerSideEncryption: no header with a default)`,
    },
    {
      consumer,
      request: 'delete a file',
      action: 's3:DeleteObject',
      resource: KOPS_STORE,
      expected: 'Allowed',
      source: `${KOPS}s3fs.go Remove`,
    },
    {
      consumer,
      request: 'data key through S3',
      action: 'kms:GenerateDataKey',
      resource: '{key}',
      context: { via: 's3' },
      expected: 'Allowed',
      source: S3_KMS,
    },
    {
      consumer,
      request: 'decrypt through S3',
      action: 'kms:Decrypt',
      resource: '{key}',
      context: { via: 's3' },
      expected: 'Allowed',
      source: S3_KMS,
    },
    {
      consumer,
      request: 'write a file, default encryption unreadable (AES256)',
      action: 's3:PutObject',
      resource: KOPS_STORE,
      upload: { sse: 'AES256' },
      expected: 'Denied',
      source: `${KOPS}s3context.go hasServerSideEncryptionByDefault ("will encrypt using AES256"); refused so no object escapes the state's KMS key`,
    },
    {
      consumer,
      request: 'read Terraform state',
      action: 's3:GetObject',
      resource: STATE,
      expected: 'Denied',
      source: 'hostile: kOps reaches only its store',
    },
    {
      consumer,
      request: 'decrypt directly, not through S3',
      action: 'kms:Decrypt',
      resource: '{key}',
      expected: 'Denied',
      source: 'hostile: the key serves S3 only',
    },
  ];
}

export const REQUEST_CATALOG: readonly CatalogRow[] = [
  ...terraformConsumer('terraform (dynamodb)', 'dynamodb'),
  ...terraformConsumer('terraform (s3 lockfile)', 's3'),
  ...terraformConsumer('terraform (both)', 'both'),

  // plan -lock=false, output, terraform_remote_state: reads only.
  ...(['app/terraform.tfstate', 'env/dev/terraform.tfstate', 'env:/blue/app/terraform.tfstate'] as const).flatMap(
    (key): CatalogRow[] => [
      {
        consumer: 'read-only user',
        request: `read state (${key})`,
        action: 's3:GetObject',
        resource: `{bucket}/${key}`,
        expected: 'Allowed',
        source: `${TF}client.go Get`,
      },
      {
        consumer: 'read-only user',
        request: `digest read (${key})`,
        action: 'dynamodb:GetItem',
        resource: '{table}',
        context: lockId(`${key}-md5`),
        expected: 'Allowed',
        source: `${TF}client.go getMD5`,
      },
    ],
  ),
  {
    consumer: 'read-only user',
    request: 'missing key: 404 needs ListBucket',
    action: 's3:ListBucket',
    resource: '{bucket}',
    expected: 'Allowed',
    source: `${TF}client.go Get`,
  },
  {
    consumer: 'read-only user',
    request: 'decrypt through S3',
    action: 'kms:Decrypt',
    resource: '{key}',
    context: { via: 's3' },
    expected: 'Allowed',
    source: S3_KMS,
  },
  {
    consumer: 'read-only user',
    request: 'write state',
    action: 's3:PutObject',
    resource: STATE,
    upload: TERRAFORM_UPLOAD,
    expected: 'Denied',
    source: 'hostile: a reader writing',
  },
  {
    consumer: 'read-only user',
    request: 'take the lock',
    action: 'dynamodb:PutItem',
    resource: '{table}',
    context: lockId('app/terraform.tfstate'),
    expected: 'Denied',
    source: 'hostile: a reader locking',
  },
  {
    consumer: 'read-only user',
    request: 'forge the digest',
    action: 'dynamodb:PutItem',
    resource: '{table}',
    context: lockId('app/terraform.tfstate-md5'),
    expected: 'Denied',
    source: 'hostile: a reader writing the digest',
  },
  {
    consumer: 'read-only user',
    request: 'read a key one folder below an environment',
    action: 's3:GetObject',
    resource: NESTED_ENV_STATE,
    expected: 'Denied',
    source: 'hostile: IAM\'s * matches "/", an environment name never does',
  },
  {
    consumer: 'read-only user',
    request: 'read the digest of a key one folder below an environment',
    action: 'dynamodb:GetItem',
    resource: '{table}',
    context: lockId(`${NESTED_ENV_KEY}-md5`),
    expected: 'Denied',
    source: 'hostile: IAM\'s * matches "/", an environment name never does',
  },
  {
    consumer: 'read-only user',
    request: 'read the lock item',
    action: 'dynamodb:GetItem',
    resource: '{table}',
    context: lockId('app/terraform.tfstate'),
    expected: 'Denied',
    source: 'hostile: readers see digests only',
  },
  {
    consumer: 'read-only user',
    request: 'data key for a write',
    action: 'kms:GenerateDataKey',
    resource: '{key}',
    context: { via: 's3' },
    expected: 'Denied',
    source: 'hostile: a reader encrypting',
  },
  {
    consumer: 'read-only user',
    request: 'decrypt directly, not through S3',
    action: 'kms:Decrypt',
    resource: '{key}',
    expected: 'Denied',
    source: 'hostile: the key serves S3 only',
  },

  // lokoctl renders bucket, key, region, shared_credentials_file and dynamodb_table only: no SSE header.
  ...terraformRun('lokomotive', 'lokomotive/mycluster.tfstate', 'dynamodb', {}).map((row) => ({
    ...row,
    source: `${row.source}; kinvolk/lokomotive pkg/backend/s3 template.go (no encrypt, no kms_key_id)`,
  })),

  ...kopsRows('kops'),

  // A team's writer, with the export's --format policy --key network/terraform.tfstate.
  ...terraformRun('team writer (one key)', 'network/terraform.tfstate', 'dynamodb', TERRAFORM_UPLOAD),
  ...terraformRun('team writer (one key)', 'env:/blue/network/terraform.tfstate', 'dynamodb', TERRAFORM_UPLOAD),
  {
    consumer: 'team writer (one key)',
    request: 'workspace delete',
    action: 's3:DeleteObject',
    resource: '{bucket}/env:/blue/network/terraform.tfstate',
    expected: 'Allowed',
    source: `${TF}backend_state.go DeleteWorkspace`,
  },
  {
    consumer: 'team writer (one key)',
    request: 'decrypt directly, not through S3',
    action: 'kms:Decrypt',
    resource: '{key}',
    expected: 'Denied',
    source: 'hostile: the key serves S3 only',
  },
  {
    consumer: 'team writer (one key)',
    request: 'decrypt through S3 with another key of the account',
    action: 'kms:Decrypt',
    resource: '{otherKey}',
    context: { via: 's3' },
    expected: 'Denied',
    source: 'hostile: only the key with the state alias',
  },
  {
    consumer: 'team writer (one key)',
    request: "read another key's state",
    action: 's3:GetObject',
    resource: STATE,
    expected: 'Denied',
    source: "hostile: another team's state",
  },
  {
    consumer: 'team writer (one key)',
    request: "overwrite another key's state",
    action: 's3:PutObject',
    resource: STATE,
    upload: TERRAFORM_UPLOAD,
    expected: 'Denied',
    source: "hostile: another team's state",
  },
  {
    consumer: 'team writer (one key)',
    request: "take another key's lock",
    action: 'dynamodb:PutItem',
    resource: '{table}',
    context: lockId('app/terraform.tfstate'),
    expected: 'Denied',
    source: "hostile: another team's lock",
  },
  {
    consumer: 'team writer (one key)',
    request: "release another key's lock",
    action: 'dynamodb:DeleteItem',
    resource: '{table}',
    context: lockId('app/terraform.tfstate'),
    expected: 'Denied',
    source: "hostile: another team's lock",
  },
  {
    consumer: 'team writer (one key)',
    request: "forge another key's digest",
    action: 'dynamodb:PutItem',
    resource: '{table}',
    context: lockId('app/terraform.tfstate-md5'),
    expected: 'Denied',
    source: "hostile: another team's digest",
  },
  {
    consumer: 'team writer (one key)',
    request: "delete another key's workspace state",
    action: 's3:DeleteObject',
    resource: WORKSPACE_STATE,
    expected: 'Denied',
    source: "hostile: another team's workspace",
  },
  // Workspace names hold no '/' (Terraform refuses them), but IAM's '*' matches '/': env:/*/network/... also reaches
  // workspace blue of the key platform/network/terraform.tfstate, another team's.
  {
    consumer: 'team writer (one key)',
    request: 'overwrite a workspace state of a key ending in its key',
    action: 's3:PutObject',
    resource: OTHER_TEAM_WORKSPACE_STATE,
    upload: TERRAFORM_UPLOAD,
    expected: 'Denied',
    source: "hostile: another team's workspace (its key ends in this key)",
  },
  {
    consumer: 'team writer (one key)',
    request: 'delete a workspace state of a key ending in its key',
    action: 's3:DeleteObject',
    resource: OTHER_TEAM_WORKSPACE_STATE,
    expected: 'Denied',
    source: "hostile: another team's workspace (its key ends in this key)",
  },
  {
    consumer: 'team writer (one key)',
    request: 'take the workspace lock of a key ending in its key',
    action: 'dynamodb:PutItem',
    resource: '{table}',
    context: lockId('env:/blue/platform/network/terraform.tfstate'),
    expected: 'Denied',
    source: "hostile: another team's workspace lock (its key ends in this key)",
  },
  {
    consumer: 'team writer (one key)',
    request: 'forge the workspace digest of a key ending in its key',
    action: 'dynamodb:PutItem',
    resource: '{table}',
    context: lockId('env:/blue/platform/network/terraform.tfstate-md5'),
    expected: 'Denied',
    source: "hostile: another team's workspace digest (its key ends in this key)",
  },

  // Another account, with exactly the export's --for-account settings (key and table by ARN) and --format policy.
  ...terraformRun('cross-account writer', 'app/terraform.tfstate', 'dynamodb', { sse: 'aws:kms', keyId: 'key-arn' }),
  ...terraformRun('cross-account writer', 'env/dev/terraform.tfstate', 'dynamodb', {
    sse: 'aws:kms',
    keyId: 'key-arn',
  }),
  ...multipartRows('cross-account writer', STATE, { sse: 'aws:kms', keyId: 'key-arn' }),
  ...kopsRows('cross-account writer').filter((row) => row.expected === 'Allowed'),
  {
    consumer: 'cross-account writer',
    request: "write naming the key by alias (main's export)",
    action: 's3:PutObject',
    resource: STATE,
    upload: TERRAFORM_UPLOAD,
    expected: 'Denied',
    source: "AWS: an alias resolves in the caller's account, so the object would get the caller's key",
  },
  {
    consumer: 'cross-account writer',
    request: 'write naming the bare key id',
    action: 's3:PutObject',
    resource: STATE,
    upload: { sse: 'aws:kms', keyId: 'key-id' },
    expected: 'Denied',
    source: "AWS: a key id resolves in the caller's account",
  },
  {
    consumer: 'cross-account writer',
    request: 'read bootstrap state',
    action: 's3:GetObject',
    resource: '{bucket}/bootstrap/terraform.tfstate',
    expected: 'Denied',
    source: "hostile: bootstrap state is the operator's",
  },
  {
    consumer: 'cross-account writer',
    request: 'change the bucket policy',
    action: 's3:PutBucketPolicy',
    resource: '{bucket}',
    expected: 'Denied',
    source: 'hostile: policy changes',
  },
  {
    consumer: 'cross-account writer',
    request: 'decrypt directly, not through S3',
    action: 'kms:Decrypt',
    resource: '{key}',
    expected: 'Denied',
    source: 'hostile: the key serves S3 only',
  },
  {
    consumer: 'cross-account writer',
    request: 'lock item of the bootstrap key',
    action: 'dynamodb:PutItem',
    resource: '{table}',
    context: lockId('bootstrap/terraform.tfstate'),
    expected: 'Denied',
    source: 'hostile: lock items of other keys',
  },
  {
    consumer: 'cross-account writer',
    request: 'change the key policy',
    action: 'kms:PutKeyPolicy',
    resource: '{key}',
    expected: 'Denied',
    source: 'hostile: key policy changes',
  },
  {
    consumer: 'cross-account reader',
    request: 'read state',
    action: 's3:GetObject',
    resource: STATE,
    expected: 'Allowed',
    source: `${TF}client.go Get`,
  },
  {
    consumer: 'cross-account reader',
    request: "read an environment's state",
    action: 's3:GetObject',
    resource: ENV_STATE,
    expected: 'Allowed',
    source: `${TF}client.go Get`,
  },
  {
    consumer: 'cross-account reader',
    request: 'missing key: 404 needs ListBucket',
    action: 's3:ListBucket',
    resource: '{bucket}',
    expected: 'Allowed',
    source: `${TF}client.go Get`,
  },
  {
    consumer: 'cross-account reader',
    request: 'digest read',
    action: 'dynamodb:GetItem',
    resource: '{table}',
    context: lockId('app/terraform.tfstate-md5'),
    expected: 'Allowed',
    source: `${TF}client.go getMD5`,
  },
  {
    consumer: 'cross-account reader',
    request: 'decrypt through S3',
    action: 'kms:Decrypt',
    resource: '{key}',
    context: { via: 's3' },
    expected: 'Allowed',
    source: S3_KMS,
  },
  {
    consumer: 'cross-account reader',
    request: 'write state',
    action: 's3:PutObject',
    resource: STATE,
    upload: { sse: 'aws:kms', keyId: 'key-arn' },
    expected: 'Denied',
    source: 'hostile: a reader writing',
  },
  {
    consumer: 'cross-account reader',
    request: 'take the lock',
    action: 'dynamodb:PutItem',
    resource: '{table}',
    context: lockId('app/terraform.tfstate'),
    expected: 'Denied',
    source: 'hostile: a reader locking',
  },
  {
    consumer: 'cross-account reader',
    request: 'data key for a write',
    action: 'kms:GenerateDataKey',
    resource: '{key}',
    context: { via: 's3' },
    expected: 'Denied',
    source: 'hostile: a reader encrypting',
  },
  {
    consumer: 'cross-account reader',
    request: 'read the lock item',
    action: 'dynamodb:GetItem',
    resource: '{table}',
    context: lockId('app/terraform.tfstate'),
    expected: 'Denied',
    source: 'hostile: readers see digests only',
  },
  {
    consumer: 'cross-account reader',
    request: 'decrypt directly, not through S3',
    action: 'kms:Decrypt',
    resource: '{key}',
    expected: 'Denied',
    source: 'hostile: the key serves S3 only',
  },
  {
    consumer: 'cross-account reader',
    request: 'read the kOps store',
    action: 's3:GetObject',
    resource: KOPS_STORE,
    expected: 'Denied',
    source: 'hostile: readers get state only',
  },

  // The other account's own policies may grant its principals anything: the resource policies still bound them.
  ...(['cross-account writer, all-powerful at home', 'cross-account reader, all-powerful at home'] as const).flatMap(
    (consumer): CatalogRow[] => [
      {
        consumer,
        request: 'decrypt directly, not through S3',
        action: 'kms:Decrypt',
        resource: '{key}',
        expected: 'Denied',
        source: 'hostile: the key policy allows S3 use only',
      },
      {
        consumer,
        request: 'lock item of the bootstrap key',
        action: 'dynamodb:PutItem',
        resource: '{table}',
        context: lockId('bootstrap/terraform.tfstate'),
        expected: 'Denied',
        source: "hostile: the table policy names the project's items only",
      },
      {
        consumer,
        request: 'read the bootstrap digest',
        action: 'dynamodb:GetItem',
        resource: '{table}',
        context: lockId('bootstrap/terraform.tfstate-md5'),
        expected: 'Denied',
        source: "hostile: the table policy names the project's items only",
      },
      {
        consumer,
        request: 'read bootstrap state',
        action: 's3:GetObject',
        resource: '{bucket}/bootstrap/terraform.tfstate',
        expected: 'Denied',
        source: "hostile: the bucket policy names the project's keys only",
      },
      {
        consumer,
        request: 'read a key one folder below an environment',
        action: 's3:GetObject',
        resource: NESTED_ENV_STATE,
        expected: 'Denied',
        source: "hostile: the bucket policy's patterns stop at the environment's folder",
      },
      {
        consumer,
        request: 'read the digest of a key one folder below an environment',
        action: 'dynamodb:GetItem',
        resource: '{table}',
        context: lockId(`${NESTED_ENV_KEY}-md5`),
        expected: 'Denied',
        source: "hostile: the table policy's patterns stop at the environment's folder",
      },
      {
        consumer,
        request: "schedule the key's deletion",
        action: 'kms:ScheduleKeyDeletion',
        resource: '{key}',
        expected: 'Denied',
        source: 'hostile: key administration',
      },
    ],
  ),
  {
    consumer: 'cross-account reader, all-powerful at home',
    request: 'write state',
    action: 's3:PutObject',
    resource: STATE,
    upload: { sse: 'aws:kms', keyId: 'key-arn' },
    expected: 'Denied',
    source: 'hostile: the bucket policy gives readers GetObject only',
  },
  {
    consumer: 'cross-account reader, all-powerful at home',
    request: 'data key for a write',
    action: 'kms:GenerateDataKey',
    resource: '{key}',
    context: { via: 's3' },
    expected: 'Denied',
    source: 'hostile: the key policy gives readers Decrypt only',
  },
  {
    consumer: 'stranger account',
    request: 'read state',
    action: 's3:GetObject',
    resource: STATE,
    expected: 'Denied',
    source: 'hostile: an account never granted',
  },
  {
    consumer: 'stranger account',
    request: 'write state',
    action: 's3:PutObject',
    resource: STATE,
    upload: { sse: 'aws:kms', keyId: 'key-arn' },
    expected: 'Denied',
    source: 'hostile: an account never granted',
  },
  {
    consumer: 'stranger account',
    request: 'list the bucket',
    action: 's3:ListBucket',
    resource: '{bucket}',
    expected: 'Denied',
    source: 'hostile: an account never granted',
  },
  {
    consumer: 'stranger account',
    request: 'take the lock',
    action: 'dynamodb:PutItem',
    resource: '{table}',
    context: lockId('app/terraform.tfstate'),
    expected: 'Denied',
    source: 'hostile: an account never granted',
  },
  {
    consumer: 'stranger account',
    request: 'decrypt through S3',
    action: 'kms:Decrypt',
    resource: '{key}',
    context: { via: 's3' },
    expected: 'Denied',
    source: 'hostile: an account never granted',
  },

  // S3 replication (AWS S3 user guide, "Setting up permissions" and "Replicating encrypted objects").
  ...(
    [
      ['read the replication configuration', 's3:GetReplicationConfiguration', '{bucket}', {}],
      ['list the source', 's3:ListBucket', '{bucket}', {}],
      ['read a source version', 's3:GetObjectVersionForReplication', STATE, {}],
      ["read a version's ACL", 's3:GetObjectVersionAcl', STATE, {}],
      ["read a version's tags", 's3:GetObjectVersionTagging', STATE, {}],
      ['write a replica', 's3:ReplicateObject', '{replica}/app/terraform.tfstate', {}],
      ["write a replica's tags", 's3:ReplicateTags', '{replica}/app/terraform.tfstate', {}],
      ['decrypt the source', 'kms:Decrypt', '{key}', { via: 's3', context: '{bucket}' }],
      ['encrypt the replica', 'kms:Encrypt', '{replicaKey}', { via: 's3-replica', context: '{replica}' }],
      [
        'data key for the replica',
        'kms:GenerateDataKey',
        '{replicaKey}',
        { via: 's3-replica', context: '{replica}/app/terraform.tfstate' },
      ],
    ] as const
  ).map(
    ([request, action, resource, context]): CatalogRow => ({
      consumer: 'replication role',
      request,
      action,
      resource,
      context,
      expected: 'Allowed',
      source: 'AWS S3 user guide, replication permissions for SSE-KMS objects',
    }),
  ),
  {
    consumer: 'replication role',
    request: 'S3 assumes the role',
    action: 'sts:AssumeRole',
    resource: '{role}',
    principal: 's3.amazonaws.com',
    expected: 'Allowed',
    source: 'AWS S3 user guide, replication role trust policy',
  },
  {
    consumer: 'replication role',
    request: 'write a replica without TLS',
    action: 's3:ReplicateObject',
    resource: '{replica}/app/terraform.tfstate',
    insecure: true,
    expected: 'Denied',
    source: 'hostile: TLS only on the replica bucket too',
  },
  {
    consumer: 'replication role',
    request: 'replicate a delete',
    action: 's3:ReplicateDelete',
    resource: '{replica}/app/terraform.tfstate',
    expected: 'Denied',
    source: 'hostile: deletes are not replicated',
  },
  {
    consumer: 'replication role',
    request: 'decrypt directly, not through S3',
    action: 'kms:Decrypt',
    resource: '{key}',
    context: { context: '{bucket}' },
    expected: 'Denied',
    source: 'hostile: the role uses keys through S3 only',
  },
  {
    consumer: 'replication role',
    request: "decrypt another bucket's data",
    action: 'kms:Decrypt',
    resource: '{key}',
    context: { via: 's3', context: 'arn:aws:s3:::other-bucket' },
    expected: 'Denied',
    source: 'hostile: only the source bucket',
  },
  {
    consumer: 'replication role',
    request: 'data key for another bucket',
    action: 'kms:GenerateDataKey',
    resource: '{replicaKey}',
    context: { via: 's3-replica', context: 'arn:aws:s3:::other-bucket' },
    expected: 'Denied',
    source: 'hostile: only the replica bucket',
  },
  {
    consumer: 'replication role',
    request: 'encrypt outside S3',
    action: 'kms:Encrypt',
    resource: '{replicaKey}',
    context: { context: '{replica}' },
    expected: 'Denied',
    source: 'hostile: the role uses keys through S3 only',
  },

  {
    consumer: 's3 log delivery',
    request: "deliver the state bucket's logs",
    action: 's3:PutObject',
    resource: '{logs}/s3-access/{bucketName}/2026-01-01-log',
    context: { source: '{bucket}' },
    expected: 'Allowed',
    source: 'AWS S3 user guide, "Permissions for log delivery"',
  },
  {
    consumer: 's3 log delivery',
    request: "deliver another bucket's logs",
    action: 's3:PutObject',
    resource: '{logs}/s3-access/{bucketName}/2026-01-01-log',
    context: { source: 'arn:aws:s3:::other-bucket' },
    expected: 'Denied',
    source: 'hostile: confused deputy, another bucket',
  },
  {
    consumer: 's3 log delivery',
    request: 'deliver for another account',
    action: 's3:PutObject',
    resource: '{logs}/s3-access/{bucketName}/2026-01-01-log',
    context: { source: '{bucket}', sourceAccount: '999988887777' },
    expected: 'Denied',
    source: 'hostile: confused deputy, another account',
  },
  {
    consumer: 's3 log delivery',
    request: 'write outside the log prefix',
    action: 's3:PutObject',
    resource: '{logs}/elsewhere/log',
    context: { source: '{bucket}' },
    expected: 'Denied',
    source: 'hostile: logs land under their prefix',
  },

  {
    consumer: 'operator (npm run state)',
    request: 'list state versions',
    action: 's3:ListBucketVersions',
    resource: '{bucket}',
    expected: 'Allowed',
    source: 'ops/bucket.ts listObjectVersions',
  },
  {
    consumer: 'operator (npm run state)',
    request: 'read an old version',
    action: 's3:GetObjectVersion',
    resource: STATE,
    expected: 'Allowed',
    source: 'ops/restore.ts restoreStateVersion',
  },
  {
    consumer: 'operator (npm run state)',
    request: 'write the restored state',
    action: 's3:PutObject',
    resource: STATE,
    upload: TERRAFORM_UPLOAD,
    expected: 'Allowed',
    source: 'ops/restore.ts restoreStateVersion (encryption: aws:kms + alias)',
  },
  {
    consumer: 'operator (npm run state)',
    request: 'take the lock',
    action: 'dynamodb:PutItem',
    resource: '{table}',
    context: lockId('app/terraform.tfstate'),
    expected: 'Allowed',
    source: 'ops/restore.ts restoreStateVersion',
  },
  {
    consumer: 'operator (npm run state)',
    request: 'write the digest',
    action: 'dynamodb:PutItem',
    resource: '{table}',
    context: lockId('app/terraform.tfstate-md5'),
    expected: 'Allowed',
    source: 'ops/restore.ts restoreStateVersion',
  },
  {
    consumer: 'operator (npm run state)',
    request: 'read a key one folder below an environment (another project in the account)',
    action: 's3:GetObject',
    resource: NESTED_ENV_STATE,
    expected: 'Allowed',
    source:
      "ops/keys.ts (state list, move): the account's own principals are bound by their IAM policies, not by the other accounts' Deny",
  },
  {
    consumer: 'operator (npm run state)',
    request: 'write the restored state without TLS',
    action: 's3:PutObject',
    resource: STATE,
    upload: TERRAFORM_UPLOAD,
    insecure: true,
    expected: 'Denied',
    source: 'hostile: TLS only, for everyone',
  },
  {
    consumer: 'operator (npm run state)',
    request: 'read access logs without TLS',
    action: 's3:GetObject',
    resource: '{logs}/s3-access/{bucketName}/2026-01-01-log',
    insecure: true,
    expected: 'Denied',
    source: 'hostile: TLS only on the log bucket too',
  },
  {
    consumer: 'operator (npm run state)',
    request: 'write with SSE-S3',
    action: 's3:PutObject',
    resource: STATE,
    upload: { sse: 'AES256' },
    expected: 'Denied',
    source: 'hostile: the bucket policy binds the account too',
  },
];

/** The matrix of docs/security.md: consumer × request × decision, from the catalog. */
export function renderRequestMatrix(rows: readonly CatalogRow[] = REQUEST_CATALOG): string {
  const allowed = rows.filter((row) => row.expected === 'Allowed').length;
  return [
    `${rows.length} requests: ${allowed} allowed, ${rows.length - allowed} denied (\`__tests__/policy-simulation.test.ts\` decides each with an IAM policy simulator).`,
    '',
    '| Consumer | Request | Action | Decision | Source |',
    '|---|---|---|---|---|',
    ...rows.map(
      (row) =>
        `| ${markdownCell(row.consumer)} | ${markdownCell(row.request)} | \`${row.action}\` | ${row.expected} | ${markdownCell(row.source)} |`,
    ),
  ].join('\n');
}
