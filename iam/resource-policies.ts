// Resource policies (bucket, key, table) and the service roles' policies, as pure functions of ARNs.
import { type Statement, withPrincipals } from './document';
import { KOPS_BUCKET_ACTIONS, kopsStoreObjects, type StateResources, stateUserStatements } from './state-access';

/**
 * The Denies every bucket policy opens with: TLS only, and where the bucket has a KMS key, uploads with that key
 * only. Add a bucket-policy Deny here. Each is aimed by its Condition alone, so a policy engine that ignores
 * conditions (moto) would refuse every request with it: the emulator wiring (stacks/emulator.ts) leaves them out.
 */
export function bucketDenies(bucketArn: string, uploadKey: BucketKeyForms | undefined): Statement[] {
  return [denyInsecureTransport(bucketArn), ...(uploadKey ? uploadEncryptionDenies(bucketArn, uploadKey) : [])];
}

/** Deny every request to a bucket and its objects that is not made over TLS (Security Hub S3.5). */
function denyInsecureTransport(bucketArn: string): Statement {
  return {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}

/** Every form in which a client may name the bucket's key in x-amz-server-side-encryption-aws-kms-key-id. */
export interface BucketKeyForms {
  readonly keyArn: string;
  readonly keyId: string;
  readonly aliasArn: string;
  readonly aliasName: string;
  /** Account that owns bucket and key: only its principals may name the key by id or alias (those resolve in the caller's account). */
  readonly ownerAccountId: string;
}

const SSE = 's3:x-amz-server-side-encryption';
const SSE_KEY = 's3:x-amz-server-side-encryption-aws-kms-key-id';

/**
 * Uploads land encrypted with the bucket's key only. Each deny applies only when the request carries the
 * header it judges: IAM evaluates a condition on an absent key as false, except `...IfExists` (true), so a
 * header-less upload (Lokomotive, kOps) passes and gets the bucket default, the state's KMS key. Whether S3 fills the
 * key-id condition key with the key it resolves or with the header as sent is not settled by AWS's
 * documentation; these statements are right under both (the simulation tests evaluate both readings).
 */
export function uploadEncryptionDenies(bucketArn: string, key: BucketKeyForms): Statement[] {
  const deny = (Sid: string, Condition: Statement['Condition']): Statement => ({
    Sid,
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:PutObject',
    Resource: `${bucketArn}/*`,
    Condition,
  });
  return [
    deny('DenyUploadsNotSseKms', { StringNotEquals: { [SSE]: 'aws:kms' }, Null: { [SSE]: 'false' } }),
    // Terraform sends kms_key_id verbatim (the alias name, in this project's settings).
    deny('DenyUploadsWithOtherKmsKeys', {
      StringNotEquals: { [SSE_KEY]: [key.keyArn, key.keyId, key.aliasArn, key.aliasName] },
      Null: { [SSE_KEY]: 'false' },
    }),
    // Another account's alias or bare key id resolves in that account: it must name the key ARN.
    deny('DenyOtherAccountsUploadsNotNamingKeyArn', {
      StringNotEquals: { 'aws:PrincipalAccount': key.ownerAccountId, [SSE_KEY]: key.keyArn },
      Null: { [SSE_KEY]: 'false' },
    }),
    // aws:kms without a key id means the AWS managed key aws/s3 (S3 PutObject reference), not the bucket default.
    deny('DenyUploadsWithAwsManagedKey', { StringEquals: { [SSE]: 'aws:kms' }, Null: { [SSE_KEY]: 'true' } }),
    deny('DenyUploadsWithCustomerKeys', { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } }),
  ];
}

/** Principals of other accounts, by tier. */
export interface CrossAccountPrincipals {
  /** Read-write on the project's state keys plus the kOps store. */
  readonly writers: readonly string[];
  /** Read-only on the project's state keys. */
  readonly readers: readonly string[];
}

const onlyService = (prefix: string) => (statement: Statement) =>
  [statement.Action].flat().every((action) => action.startsWith(prefix));

/** Each tier's statements, granted to its principals (a tier without principals grants nothing). */
function byTier(
  principals: CrossAccountPrincipals,
  statementsOf: (level: 'read-write' | 'read-only') => Statement[],
): Statement[] {
  return [
    ...(principals.writers.length > 0 ? withPrincipals(statementsOf('read-write'), principals.writers, 'Writers') : []),
    ...(principals.readers.length > 0 ? withPrincipals(statementsOf('read-only'), principals.readers, 'Readers') : []),
  ];
}

/**
 * Bucket policy statements for other accounts: the S3 grants of their tier's identity statements (writers also
 * get the kOps store), and one Deny of the keys deeper than the grants' patterns for every other account (the
 * tiers' Denies name the same objects; one statement with "*" keeps the policy within its size limit with 100
 * principals).
 */
export function crossAccountBucketStatements(
  resources: StateResources,
  keys: readonly string[],
  kopsPrefix: string,
  principals: CrossAccountPrincipals,
  ownerAccountId: string,
): Statement[] {
  const kops = { objects: kopsStoreObjects(resources, kopsPrefix), bucketActions: KOPS_BUCKET_ACTIONS };
  const grants = byTier(principals, (level) =>
    stateUserStatements(resources, level, keys, level === 'read-write' ? kops : {}).filter(
      (statement) => onlyService('s3:')(statement) && statement.Effect === 'Allow',
    ),
  );
  if (grants.length === 0) return [];
  const deny = stateUserStatements(resources, 'read-only', keys).find((statement) => statement.Effect === 'Deny')!;
  return [
    ...grants,
    {
      ...deny,
      Sid: `OtherAccounts${deny.Sid}`,
      Principal: '*',
      Condition: { StringNotEquals: { 'aws:PrincipalAccount': ownerAccountId } },
    },
  ];
}

/** Key policy statements for other accounts: the KMS part of their tier ("*" is this key in a key policy). */
export function crossAccountKeyStatements(
  resources: StateResources,
  keys: readonly string[],
  principals: CrossAccountPrincipals,
): Statement[] {
  const inKeyPolicy: StateResources = { ...resources, keyArn: '*', keyAlias: undefined };
  return byTier(principals, (level) => stateUserStatements(inKeyPolicy, level, keys).filter(onlyService('kms:')));
}

/** Table resource policy statements for other accounts: their tier's lock and digest items. */
export function crossAccountTableStatements(
  resources: StateResources,
  keys: readonly string[],
  principals: CrossAccountPrincipals,
): Statement[] {
  // Without a table (locking s3) the tiers have no DynamoDB statement, so this is empty.
  return byTier(principals, (level) => stateUserStatements(resources, level, keys).filter(onlyService('dynamodb:')));
}

/**
 * The key policy: the account root may administer and use the key, which is what delegates access to IAM
 * policies in the account (without it only the key policy could grant anything, and a lost principal would
 * lock the key for good). Extra statements come after it, never a wildcard principal.
 */
export function kmsKeyPolicyStatements(accountRootArn: string, additional: readonly Statement[] = []): Statement[] {
  return [
    {
      Sid: 'AccountRootAndIamPolicies',
      Effect: 'Allow',
      Principal: { AWS: accountRootArn },
      Action: 'kms:*',
      Resource: '*',
    },
    ...additional,
  ];
}

/** Log delivery may put objects under the prefix, for the source bucket of the source account only. */
export function logDeliveryStatement(
  logBucketArn: string,
  sourceBucketArn: string,
  sourceAccountId: string,
  prefix: string,
): Statement {
  return {
    Sid: 'S3ServerAccessLogDelivery',
    Effect: 'Allow',
    Principal: { Service: 'logging.s3.amazonaws.com' },
    Action: 's3:PutObject',
    Resource: `${logBucketArn}/${prefix}*`,
    Condition: {
      ArnLike: { 'aws:SourceArn': sourceBucketArn },
      StringEquals: { 'aws:SourceAccount': sourceAccountId },
    },
  };
}

/** S3 may assume the replication role. */
export const REPLICATION_TRUST: readonly Statement[] = [
  { Sid: 'S3Replication', Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sts:AssumeRole' },
];

export interface ReplicationArns {
  readonly sourceBucketArn: string;
  readonly replicaBucketArn: string;
  readonly sourceKmsKeyArn: string;
  readonly replicaKmsKeyArn: string;
  readonly sourceRegion: string;
  readonly replicaRegion: string;
}

/** Least privilege for S3 replication of KMS-encrypted objects, as AWS documents it, on these two buckets and keys only. */
export function replicationRoleStatements(input: ReplicationArns): Statement[] {
  return [
    {
      Sid: 'ReadSourceConfiguration',
      Effect: 'Allow',
      Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
      Resource: input.sourceBucketArn,
    },
    {
      Sid: 'ReadSourceVersions',
      Effect: 'Allow',
      Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'],
      Resource: `${input.sourceBucketArn}/*`,
    },
    {
      Sid: 'WriteReplicas',
      Effect: 'Allow',
      Action: ['s3:ReplicateObject', 's3:ReplicateTags'],
      Resource: `${input.replicaBucketArn}/*`,
    },
    {
      Sid: 'DecryptWithSourceKeyThroughS3',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: input.sourceKmsKeyArn,
      Condition: {
        StringEquals: { 'kms:ViaService': `s3.${input.sourceRegion}.amazonaws.com` },
        // With S3 bucket keys the context is the bucket ARN, without them the object ARN.
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': [input.sourceBucketArn, `${input.sourceBucketArn}/*`] },
      },
    },
    {
      Sid: 'EncryptWithReplicaKeyThroughS3',
      Effect: 'Allow',
      Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
      Resource: input.replicaKmsKeyArn,
      Condition: {
        StringEquals: { 'kms:ViaService': `s3.${input.replicaRegion}.amazonaws.com` },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': [input.replicaBucketArn, `${input.replicaBucketArn}/*`] },
      },
    },
  ];
}
