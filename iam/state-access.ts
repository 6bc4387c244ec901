// What the consumers of the state may do, as identity statements over ARNs: Terraform runs (read-write),
// terraform_remote_state readers (read-only) and the kOps state store. The managed policies, the export
// command and the cross-account grants in the bucket, key and table policies are all built from these.

import type { Statement } from './document';
import { deeperThanGranted, deniedDeeperKeys, inEveryWorkspace, WORKSPACE_KEY_PREFIX } from './key-patterns';

export type AccessLevel = 'read-write' | 'read-only' | 'kops';
export const ACCESS_LEVELS: readonly AccessLevel[] = ['read-write', 'read-only', 'kops'];

/** The resources of one backend that state users reach, by ARN (concrete or Terraform references). */
export interface StateResources {
  readonly region: string;
  /** The bucket's name: every DynamoDB lock and digest item id starts with it. */
  readonly bucketName: string;
  readonly bucketArn: string;
  /**
   * The state's KMS key ARN, or `arn:...:key/*` when it is not known yet (an export before deploy): then
   * keyAlias limits the grant to the key that carries the state alias.
   */
  readonly keyArn: string;
  /** @default no alias condition (keyArn names the key) */
  readonly keyAlias?: string;
  /** The lock table's ARN; undefined when locking is s3 (no table). */
  readonly tableArn: string | undefined;
  /** Whether Terraform takes S3 lockfiles (`<key>.tflock`): locking s3 or both. */
  readonly lockfiles: boolean;
}

/** Refuses the objects deeperThanGranted names (and their lockfiles), which the Allow patterns would reach. */
function denyDeeperObjects(resources: StateResources, keys: readonly string[]): Statement {
  return {
    Sid: 'DenyKeysDeeperThanGranted',
    Effect: 'Deny',
    Action: ['s3:*'],
    Resource: objectArns(resources, deniedDeeperKeys(keys)),
  };
}

function objectArns(resources: StateResources, keys: readonly string[]): string[] {
  return keys.map((key) => `${resources.bucketArn}/${key}`);
}

/**
 * Listing the bucket: S3 answers 404 to a HeadObject/GetObject of a missing key only to a caller allowed
 * s3:ListBucket on the bucket (else 403), and such a request carries no s3:prefix, so the grant cannot be
 * narrowed by prefix: Terraform's first init of a new key, and kOps' "file absent", need a 404.
 */
function listBucket(resources: StateResources, extraActions: readonly string[] = []): Statement {
  return {
    Sid: 'ListBucket',
    Effect: 'Allow',
    Action: ['s3:ListBucket', ...extraActions],
    Resource: resources.bucketArn,
  };
}

/**
 * Use of the state's KMS key, only through S3 (the SSE-KMS data keys of reads and writes): no direct Decrypt of
 * anything else encrypted with it.
 */
function useKmsKey(resources: StateResources, actions: readonly string[]): Statement {
  return {
    Sid: 'UseStateKeyThroughS3',
    Effect: 'Allow',
    Action: [...actions],
    Resource: resources.keyArn,
    Condition: {
      StringEquals: { 'kms:ViaService': `s3.${resources.region}.amazonaws.com` },
      ...(resources.keyAlias ? { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': resources.keyAlias } } : {}),
    },
  };
}

/** The lock and digest items of the keys (Terraform's LockID is `<bucket>/<key>` and `<bucket>/<key>-md5`). */
function lockItems(resources: StateResources, keys: readonly string[], digestsOnly: boolean): Statement {
  const ids = inEveryWorkspace(keys).flatMap((key) =>
    digestsOnly
      ? [`${resources.bucketName}/${key}-md5`]
      : [`${resources.bucketName}/${key}`, `${resources.bucketName}/${key}-md5`],
  );
  return {
    // Readers need GetItem too: the backend checks the state's -md5 digest item on every read.
    Sid: digestsOnly ? 'ReadStateDigests' : 'LockAndDigestItems',
    Effect: 'Allow',
    Action: digestsOnly ? ['dynamodb:GetItem'] : ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
    Resource: resources.tableArn!,
    Condition: {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ids },
      'ForAllValues:StringNotLike': { 'dynamodb:LeadingKeys': deeperThanGranted(ids) },
    },
  };
}

/**
 * Terraform's S3 backend over the given state keys (patterns such as `env/*\/terraform.tfstate` allowed):
 * read-write gets the state objects, lockfiles and workspace deletes, the lock and digest items and the key
 * for writing; read-only gets the objects, the digest items and decrypting. `extraObjects` are further
 * object ARNs with read, write and delete (the kOps store, for cross-account writers).
 */
export function stateUserStatements(
  resources: StateResources,
  level: Exclude<AccessLevel, 'kops'>,
  keys: readonly string[],
  extra: { readonly objects?: readonly string[]; readonly bucketActions?: readonly string[] } = {},
): Statement[] {
  const unique = [...new Set(keys)];
  if (level === 'read-only') {
    return [
      listBucket(resources),
      {
        Sid: 'ReadState',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: objectArns(resources, inEveryWorkspace(unique)),
      },
      denyDeeperObjects(resources, unique),
      ...(resources.tableArn ? [lockItems(resources, unique, true)] : []),
      useKmsKey(resources, ['kms:Decrypt']),
    ];
  }
  // Read, write and delete: workspace states (`terraform workspace delete`) and lockfiles; never the default state.
  const deletable = [
    ...objectArns(
      resources,
      unique.map((key) => `${WORKSPACE_KEY_PREFIX}/*/${key}`),
    ),
    ...(resources.lockfiles
      ? objectArns(
          resources,
          inEveryWorkspace(unique).map((key) => `${key}.tflock`),
        )
      : []),
    ...(extra.objects ?? []),
  ];
  return [
    listBucket(resources, extra.bucketActions),
    {
      Sid: 'ReadWriteState',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject'],
      Resource: objectArns(resources, unique),
    },
    {
      Sid: 'ReadWriteDeleteObjects',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      Resource: deletable,
    },
    denyDeeperObjects(resources, unique),
    ...(resources.tableArn ? [lockItems(resources, unique, false)] : []),
    useKmsKey(resources, ['kms:Decrypt', 'kms:GenerateDataKey']),
  ];
}

/**
 * kOps reads the bucket's default encryption before each write (without it, it sends AES256), locates the
 * bucket, and keeps many files per cluster under the store, which it deletes with the cluster.
 */
export const KOPS_BUCKET_ACTIONS = ['s3:GetBucketLocation', 's3:GetEncryptionConfiguration'] as const;

export function kopsStoreObjects(resources: StateResources, kopsPrefix: string): string[] {
  return [`${resources.bucketArn}/${kopsPrefix}/*`];
}

export function kopsStatements(resources: StateResources, kopsPrefix: string): Statement[] {
  return [
    listBucket(resources, KOPS_BUCKET_ACTIONS),
    {
      Sid: 'ReadWriteDeleteObjects',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      Resource: kopsStoreObjects(resources, kopsPrefix),
    },
    useKmsKey(resources, ['kms:Decrypt', 'kms:GenerateDataKey']),
  ];
}

/** The statements of an access level: Terraform users over the given keys, or the kOps store. */
export function accessLevelStatements(
  resources: StateResources,
  level: AccessLevel,
  keys: readonly string[],
  kopsPrefix: string,
): Statement[] {
  return level === 'kops' ? kopsStatements(resources, kopsPrefix) : stateUserStatements(resources, level, keys);
}
