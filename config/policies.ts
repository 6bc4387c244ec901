// Least-privilege IAM policy documents for the people and pipelines that use the state, as pure functions
// of the config: the bootstrap stack creates them as managed policies, the export command prints them,
// and cross-account bucket policies reuse the same statements with a principal added.
import { accountRootArn, bucketArn, objectArn, partitionOf } from './arn';
import { projectStateKeys } from './naming';
import { BackendConfig } from './types';

/** One statement of an identity-based IAM policy. */
export interface IamStatement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Record<string, Record<string, string | readonly string[]>>;
}

export interface IamPolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly IamStatement[];
}

export type AccessLevel = 'read-write' | 'read-only' | 'kops';
export const ACCESS_LEVELS: readonly AccessLevel[] = ['read-write', 'read-only', 'kops'];

/** Terraform's default workspace_key_prefix: workspace "dev" of key k lives at env:/dev/k. */
export const WORKSPACE_KEY_PREFIX = 'env:';

export interface PolicyScope {
  /** State keys the policy covers (default workspace); each also covers its workspace variants. */
  readonly keys: readonly string[];
  /**
   * Account that owns the lock table and the key. `*` leaves it open (the export command, which makes no
   * AWS call, cannot know it); the bootstrap stack passes its own account id.
   * @default "*"
   */
  readonly accountId?: string;
}

/** Object ARNs of a key in every workspace: the default workspace and env:/<workspace>/<key>. */
function keyArns(config: BackendConfig, key: string, suffix = ''): string[] {
  return [objectArn(config.region, config.bucket, `${key}${suffix}`), objectArn(config.region, config.bucket, `${WORKSPACE_KEY_PREFIX}/*/${key}${suffix}`)];
}

/**
 * The statements Terraform's S3 backend needs, per its documentation: list the state's path, read and write
 * the state objects, delete only lockfiles (and workspace states, which `terraform workspace delete` removes),
 * use the lock table only when DynamoDB locking is on, and use the state key through KMS.
 */
export function stateAccessStatements(config: BackendConfig, level: Exclude<AccessLevel, 'kops'>, scope: PolicyScope): IamStatement[] {
  const account = scope.accountId ?? '*';
  const partition = partitionOf(config.region);
  const keys = [...new Set(scope.keys)];
  const readWrite = level === 'read-write';
  const statements: IamStatement[] = [
    {
      Sid: 'ListStateKeys',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: bucketArn(config.region, config.bucket),
      Condition: { StringLike: { 's3:prefix': [...keys, ...keys.map((key) => `${key}.tflock`), `${WORKSPACE_KEY_PREFIX}/*`] } },
    },
    {
      Sid: readWrite ? 'ReadWriteState' : 'ReadState',
      Effect: 'Allow',
      Action: readWrite ? ['s3:GetObject', 's3:PutObject'] : ['s3:GetObject'],
      Resource: keys.flatMap((key) => keyArns(config, key)),
    },
  ];
  if (readWrite && config.locking !== 'dynamodb') {
    statements.push({
      Sid: 'LockfileState',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      Resource: keys.flatMap((key) => keyArns(config, key, '.tflock')),
    });
  }
  if (readWrite) {
    statements.push({
      Sid: 'DeleteWorkspaceState',
      Effect: 'Allow',
      Action: ['s3:DeleteObject'],
      Resource: keys.map((key) => objectArn(config.region, config.bucket, `${WORKSPACE_KEY_PREFIX}/*/${key}`)),
    });
  }
  if (config.lockTable !== undefined) {
    statements.push({
      // Readers need GetItem too: the backend checks the state's -md5 digest item on every read.
      Sid: readWrite ? 'LockTable' : 'ReadStateDigest',
      Effect: 'Allow',
      Action: readWrite ? ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'] : ['dynamodb:GetItem'],
      Resource: `arn:${partition}:dynamodb:${config.region}:${account}:table/${config.lockTable}`,
    });
  }
  statements.push(stateKeyStatement(config, readWrite ? 'EncryptState' : 'DecryptState', readWrite ? STATE_KEY_ACTIONS : ['kms:Decrypt'], account));
  return statements;
}

/** What S3 needs from the key on a state user's behalf to write (and read back) SSE-KMS objects. */
export const STATE_KEY_ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'] as const;

function stateKeyStatement(config: BackendConfig, sid: string, actions: readonly string[], account: string): IamStatement {
  return {
    // Addressed by alias so the policy needs no key id: only the key that carries the state alias qualifies.
    Sid: sid,
    Effect: 'Allow',
    Action: actions,
    Resource: `arn:${partitionOf(config.region)}:kms:${config.region}:${account}:key/*`,
    Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': config.kmsAlias } },
  };
}

/**
 * The kOps state store: kOps keeps many files per cluster under the store and deletes them with the
 * cluster, so it gets the whole folder; cross-account kOps also needs s3:GetBucketLocation (kOps docs).
 */
export function kopsStoreStatements(config: BackendConfig, scope: Pick<PolicyScope, 'accountId'> = {}): IamStatement[] {
  const folder = config.kopsPrefix;
  return [
    {
      Sid: 'LocateStateStore',
      Effect: 'Allow',
      Action: ['s3:GetBucketLocation'],
      Resource: bucketArn(config.region, config.bucket),
    },
    {
      Sid: 'ListStateStore',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: bucketArn(config.region, config.bucket),
      Condition: { StringLike: { 's3:prefix': [folder, `${folder}/*`] } },
    },
    {
      Sid: 'ReadWriteStateStore',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      Resource: objectArn(config.region, config.bucket, `${folder}/*`),
    },
    stateKeyStatement(config, 'EncryptStateStore', STATE_KEY_ACTIONS, scope.accountId ?? '*'),
  ];
}

/** The policy document of an access level over the project's state keys (or the given ones). */
export function statePolicyDocument(config: BackendConfig, level: AccessLevel, scope: Partial<PolicyScope> = {}): IamPolicyDocument {
  const statements =
    level === 'kops'
      ? kopsStoreStatements(config, scope)
      : stateAccessStatements(config, level, { keys: scope.keys ?? projectStateKeys(config), accountId: scope.accountId });
  return { Version: '2012-10-17', Statement: statements };
}

/** A bucket, key or table policy statement: an identity statement with the principals it applies to. */
export interface ResourcePolicyStatement extends IamStatement {
  readonly Principal: { readonly AWS: readonly string[] };
}

/** Principals as ARNs; a bare account id means that account's root (the account delegates to its own IAM). */
export function principalArns(config: BackendConfig): string[] {
  return config.crossAccountPrincipals.map((principal) =>
    /^\d{12}$/.test(principal) ? accountRootArn(config.region, principal) : principal,
  );
}

/**
 * Bucket policy statements for other accounts: exactly the state-user S3 actions on the project's state
 * keys and the kOps store, plus s3:GetBucketLocation. KMS and DynamoDB grants live in those resources' policies.
 */
export function crossAccountBucketStatements(config: BackendConfig): ResourcePolicyStatement[] {
  if (config.crossAccountPrincipals.length === 0) return [];
  const Principal = { AWS: principalArns(config) };
  const s3Only = (statement: IamStatement) => statement.Action.every((action) => action.startsWith('s3:'));
  const state = stateAccessStatements(config, 'read-write', { keys: projectStateKeys(config) }).filter(s3Only);
  const kops = kopsStoreStatements(config).filter(s3Only);
  return [...state, ...kops].map((statement) => ({ ...statement, Sid: `CrossAccount${statement.Sid}`, Principal }));
}

/** Key policy statement for other accounts: use the key for state, nothing else ("*" is this key in a key policy). */
export function crossAccountKeyStatements(config: BackendConfig): ResourcePolicyStatement[] {
  if (config.crossAccountPrincipals.length === 0) return [];
  return [{ Sid: 'CrossAccountUseStateKey', Effect: 'Allow', Principal: { AWS: principalArns(config) }, Action: STATE_KEY_ACTIONS, Resource: '*' }];
}

/** Table resource policy statement for other accounts: the four lock actions. */
export function crossAccountTableStatements(config: BackendConfig, tableArn: string): ResourcePolicyStatement[] {
  if (config.crossAccountPrincipals.length === 0 || config.lockTable === undefined) return [];
  return [
    {
      Sid: 'CrossAccountLock',
      Effect: 'Allow',
      Principal: { AWS: principalArns(config) },
      Action: ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
      Resource: tableArn,
    },
  ];
}

/** Name of the managed policy the bootstrap stack creates for an access level. */
export function statePolicyName(config: BackendConfig, level: AccessLevel): string {
  return `${config.bucket}-state-${level}`;
}
