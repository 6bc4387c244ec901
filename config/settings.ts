// The public interface: every setting, its environment variable, its config-file key, its default and what
// it does. The loader reads this table, the README documents it and a test keeps the two in step.

export interface SettingSpec {
  /** Environment variable; wins over the config file. */
  readonly env: string;
  /** Key in the JSON config file. */
  readonly file: string;
  /** Default, as a user reads it. */
  readonly default: string;
  /** One line on what it does. */
  readonly description: string;
}

export const SETTINGS = {
  bucket: {
    env: 'TFSTATE_BUCKET',
    file: 'bucket',
    default: 'tfstate-<first 12 hex digits of cdktf.json projectId>-<region>',
    description: 'Name of the S3 state bucket (AWS bucket naming rules).',
  },
  region: {
    env: 'TFSTATE_REGION',
    file: 'region',
    default: 'AWS_REGION, then AWS_DEFAULT_REGION, then us-east-1',
    description: 'Region of the bucket, the lock table and the KMS key.',
  },
  lockTable: {
    env: 'TFSTATE_LOCK_TABLE',
    file: 'lockTable',
    default: 'terraform-locks',
    description: 'Name of the DynamoDB lock table (hash key LockID, string). Unused when locking is s3.',
  },
  stateKey: {
    env: 'TFSTATE_KEY',
    file: 'stateKey',
    default: 'app/terraform.tfstate',
    description: 'State object key of the app stack.',
  },
  locking: {
    env: 'TFSTATE_LOCKING',
    file: 'locking',
    default: 'dynamodb',
    description: 'dynamodb (lock table), s3 (Terraform >= 1.10 use_lockfile, no table) or both (migration between them).',
  },
  endpoint: {
    env: 'AWS_ENDPOINT_URL',
    file: 'endpoint',
    default: '(unset: real AWS)',
    description: 'S3/DynamoDB-compatible endpoint (moto, LocalStack): provider and backend point there, path-style.',
  },
  kmsAlias: {
    env: 'TFSTATE_KMS_ALIAS',
    file: 'kmsAlias',
    default: 'alias/<bucket, dots as hyphens>',
    description: 'Alias of the customer managed KMS key; the backend refers to the key by it.',
  },
  noncurrentVersionDays: {
    env: 'TFSTATE_NONCURRENT_DAYS',
    file: 'noncurrentVersionDays',
    default: '90',
    description: 'Days a superseded state version is kept before S3 expires it.',
  },
  bootstrapBackend: {
    env: 'TFSTATE_BOOTSTRAP_BACKEND',
    file: 'bootstrapBackend',
    default: 'local',
    description: 'local (terraform.bootstrap.tfstate in the project root) or s3 (phase 3: the bucket holds bootstrap state too).',
  },
  bootstrapStateKey: {
    env: 'TFSTATE_BOOTSTRAP_KEY',
    file: 'bootstrapStateKey',
    default: 'bootstrap/terraform.tfstate',
    description: 'State object key of the bootstrap stack when its backend is s3.',
  },
  allowDestroy: {
    env: 'TFSTATE_ALLOW_DESTROY',
    file: 'allowDestroy',
    default: 'false',
    description: 'true lifts prevent_destroy (state, log and replica buckets, keys, aliases) and the table deletion protection, and lets destroy empty the log buckets; set only by the teardown.',
  },
  environments: {
    env: 'TFSTATE_ENVIRONMENTS',
    file: 'environments',
    default: '(none)',
    description: 'Comma-separated environments (e.g. dev,staging,prod); each gets an app-<env> stack.',
  },
  environmentKeyPrefix: {
    env: 'TFSTATE_ENV_KEY_PREFIX',
    file: 'environmentKeyPrefix',
    default: 'env',
    description: 'Each environment keeps its state at <prefix>/<env>/terraform.tfstate.',
  },
  crossAccountPrincipals: {
    env: 'TFSTATE_CROSS_ACCOUNT_PRINCIPALS',
    file: 'crossAccountPrincipals',
    default: '(none)',
    description: 'Comma-separated IAM principal ARNs (or account ids) of other accounts granted read-write on the project\'s state keys and the kOps store.',
  },
  crossAccountReaders: {
    env: 'TFSTATE_CROSS_ACCOUNT_READERS',
    file: 'crossAccountReaders',
    default: '(none)',
    description: 'Comma-separated IAM principal ARNs (or account ids) of other accounts granted read-only on the project\'s state keys (terraform_remote_state, plan -lock=false).',
  },
  accountId: {
    env: 'TFSTATE_ACCOUNT_ID',
    file: 'accountId',
    default: '(unset: read from the deployed bootstrap\'s outputs)',
    description: '12-digit id of the account that owns bucket, table and key; names that account in exported policies and --for-account settings.',
  },
  kopsPrefix: {
    env: 'TFSTATE_KOPS_PREFIX',
    file: 'kopsPrefix',
    default: 'kops',
    description: 'Folder of the bucket used as the kOps state store (s3://<bucket>/<prefix>).',
  },
  accessLogging: {
    env: 'TFSTATE_ACCESS_LOGGING',
    file: 'accessLogging',
    default: 'true',
    description: 'S3 server access logs of the state bucket go to a separate log bucket; false needs TFSTATE_ACCEPT_RISKS=no-access-logging.',
  },
  logBucket: {
    env: 'TFSTATE_LOG_BUCKET',
    file: 'logBucket',
    default: '<bucket>-logs',
    description: 'Name of the access-log bucket (versioned, SSE-S3 as S3 requires for log targets, private).',
  },
  accessLogDays: {
    env: 'TFSTATE_ACCESS_LOG_DAYS',
    file: 'accessLogDays',
    default: '365',
    description: 'Days an access log object is kept before S3 expires it.',
  },
  replicaRegion: {
    env: 'TFSTATE_REPLICA_REGION',
    file: 'replicaRegion',
    default: '(unset: no replication)',
    description: 'A second region: the state bucket is replicated to a versioned bucket there, encrypted with its own KMS key.',
  },
  replicaBucket: {
    env: 'TFSTATE_REPLICA_BUCKET',
    file: 'replicaBucket',
    default: '<bucket>-replica',
    description: 'Name of the replica bucket (its access logs go to <replica bucket>-logs there); used only with TFSTATE_REPLICA_REGION.',
  },
  acceptRisks: {
    env: 'TFSTATE_ACCEPT_RISKS',
    file: 'acceptRisks',
    default: '(none)',
    description: 'Comma-separated acknowledgements that allow a weaker setting: no-access-logging, short-retention (noncurrent days below 30).',
  },
  adopt: {
    env: 'TFSTATE_ADOPT',
    file: 'adopt',
    default: 'false',
    description: 'true imports an existing state bucket and lock table (made by hand) into bootstrap and converges them to this hardening; objects and items are kept. Refused at plan time, before any change, when they do not fit.',
  },
  kmsKeyArn: {
    env: 'TFSTATE_KMS_KEY_ARN',
    file: 'kmsKeyArn',
    default: '(unset: a new key is created)',
    description: 'ARN of an existing KMS key in the region to encrypt state with instead of creating one; its key policy stays yours, the alias is created for it.',
  },
  tags: {
    env: 'TFSTATE_TAGS',
    file: 'tags',
    default: '(none)',
    description: 'Comma-separated key=value tags (e.g. team=platform,cost-center=42; AWS tag rules, at most 48, keys unique without case) on every resource from its create call on, besides ManagedBy and StateBucket.',
  },
} as const satisfies Record<string, SettingSpec>;

export type SettingName = keyof typeof SETTINGS;

/** Path of the config file, relative to the project root, unless TFSTATE_CONFIG names another. */
export const CONFIG_FILE = 'tfstate.config.json';
export const CONFIG_FILE_ENV = 'TFSTATE_CONFIG';

export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_LOCK_TABLE = 'terraform-locks';
export const DEFAULT_STATE_KEY = 'app/terraform.tfstate';
export const DEFAULT_BOOTSTRAP_STATE_KEY = 'bootstrap/terraform.tfstate';
export const DEFAULT_NONCURRENT_DAYS = 90;
export const DEFAULT_ENV_KEY_PREFIX = 'env';
export const DEFAULT_KOPS_PREFIX = 'kops';
export const DEFAULT_ACCESS_LOG_DAYS = 365;
/** Below this many days of noncurrent retention a bad apply can outlive its own undo: needs short-retention. */
export const MIN_SAFE_NONCURRENT_DAYS = 30;
/** AWS allows 50 tags per resource (S3, DynamoDB, KMS, IAM); the project's own two leave 48 to the user. */
export const MAX_USER_TAGS = 48;

/** The README's settings table, rendered from SETTINGS so the documentation cannot drift from the code. */
export function renderSettingsTable(): string {
  const cell = (text: string) => text.replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|');
  const rows = Object.values(SETTINGS).map((s: SettingSpec) => `| \`${s.env}\` | \`${s.file}\` | ${cell(s.default)} | ${cell(s.description)} |`);
  return ['| Variable | File key | Default | What it does |', '|---|---|---|---|', ...rows].join('\n');
}
