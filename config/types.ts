import { UserError } from './errors';
import type { SettingName } from './settings';

/** How Terraform keeps two writers off the same state. */
export type LockingMode = 'dynamodb' | 's3' | 'both';
export const LOCKING_MODES: readonly LockingMode[] = ['dynamodb', 's3', 'both'];

/** Where the bootstrap stack keeps its own state (phase 3 moves it into the bucket). */
export type BootstrapBackend = 'local' | 's3';
export const BOOTSTRAP_BACKENDS: readonly BootstrapBackend[] = ['local', 's3'];

/**
 * The one validated, frozen configuration every stack, construct and exported setting is built from.
 * Nothing in it is a token: a backend block cannot reference another stack, so both stacks derive
 * every name from these plain values.
 */
export interface BackendConfig {
  /** cdktf.json's projectId; the seed of the default bucket name. */
  readonly projectId: string;
  /** Region of the bucket, the table and the key. */
  readonly region: string;
  /** The state bucket. */
  readonly bucket: string;
  /** The DynamoDB lock table; undefined when locking is `s3` (no table is created or used). */
  readonly lockTable: string | undefined;
  /** How state is locked. */
  readonly locking: LockingMode;
  /** State object key of the default `app` stack. */
  readonly stateKey: string;
  /** Alias (`alias/...`) of the customer managed KMS key that encrypts state, table and bucket. */
  readonly kmsAlias: string;
  /** Days a superseded state version is kept before S3 expires it. */
  readonly noncurrentVersionDays: number;
  /** S3/DynamoDB-compatible endpoint (LocalStack, moto); undefined on real AWS. */
  readonly endpoint: string | undefined;
  /** Where the bootstrap stack's own state lives. */
  readonly bootstrapBackend: BootstrapBackend;
  /** State object key of the bootstrap stack when bootstrapBackend is `s3`. */
  readonly bootstrapStateKey: string;
  /** Lifts prevent_destroy and deletion protection; only the explicit teardown sets it. */
  readonly allowDestroy: boolean;
  /** Extra environments, each with its own `app-<name>` stack and state key. */
  readonly environments: readonly string[];
  /** Key prefix under which each environment's state lives: `<prefix>/<env>/terraform.tfstate`. */
  readonly environmentKeyPrefix: string;
  /** IAM principals of other accounts with read-write access through the bucket, key and table policies. */
  readonly crossAccountPrincipals: readonly string[];
  /** IAM principals of other accounts with read-only access to the project's state keys. */
  readonly crossAccountReaders: readonly string[];
  /** Account that owns bucket, table and key; undefined until set (exports then read the deployed outputs). */
  readonly accountId: string | undefined;
  /** Folder of the bucket that serves as the kOps state store. */
  readonly kopsPrefix: string;
  /** Bucket that receives the state bucket's server access logs; undefined when access logging is off. */
  readonly logBucket: string | undefined;
  /** Days an access log object is kept. */
  readonly accessLogDays: number;
  /** Cross-region replication of the state bucket; undefined when off (the default). */
  readonly replica: ReplicaConfig | undefined;
  /** Weaker settings explicitly acknowledged with TFSTATE_ACCEPT_RISKS. */
  readonly acceptedRisks: readonly AcceptedRisk[];
  /** Import an existing bucket and table instead of creating them (refused at plan time when they do not fit). */
  readonly adopt: boolean;
  /** An existing KMS key to encrypt with instead of creating one; undefined: bootstrap creates the key. */
  readonly kmsKeyArn: string | undefined;
  /** The user's tags for every resource, besides the project's own (never the same keys). */
  readonly tags: Readonly<Record<string, string>>;
  /** Where each setting given (not defaulted) came from, as messages name it: its variable, or "<file>: <key>". */
  readonly origins: Readonly<Partial<Record<SettingName, string>>>;
}

/** Weaker settings a user can opt into, each only by naming it in TFSTATE_ACCEPT_RISKS. */
export type AcceptedRisk = 'no-access-logging' | 'short-retention';
export const ACCEPTED_RISKS: readonly AcceptedRisk[] = ['no-access-logging', 'short-retention'];

/** Where the state bucket is replicated to; absent when replication is off. */
export interface ReplicaConfig {
  /** Region of the replica bucket and its key (never the state bucket's region). */
  readonly region: string;
  /** Name of the replica bucket. */
  readonly bucket: string;
  /** Access-log bucket in the replica region (logs must stay in-region); undefined when access logging is off. */
  readonly logBucket: string | undefined;
}

/** At most this many problems are shown; the rest are counted in one more line. */
export const MAX_PROBLEMS_SHOWN = 20;

/** A user mistake in the configuration: one line per problem (the first MAX_PROBLEMS_SHOWN), never a stack trace. */
export class ConfigError extends UserError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    const shown =
      problems.length > MAX_PROBLEMS_SHOWN
        ? [...problems.slice(0, MAX_PROBLEMS_SHOWN), `${problems.length - MAX_PROBLEMS_SHOWN} more problems not shown`]
        : [...problems];
    super(shown.join('\n'));
    this.problems = shown;
  }
}
