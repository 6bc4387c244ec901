import type { SettingName, SettingValues } from './settings';

/** How Terraform keeps two writers off the same state. */
export type LockingMode = 'dynamodb' | 's3' | 'both';
export const LOCKING_MODES: readonly LockingMode[] = ['dynamodb', 's3', 'both'];

/** Where the bootstrap stack keeps its own state (phase 3 moves it into the bucket). */
export type BootstrapBackend = 'local' | 's3';
export const BOOTSTRAP_BACKENDS: readonly BootstrapBackend[] = ['local', 's3'];

/**
 * The one validated, frozen configuration every stack, construct and exported setting is built from: each
 * setting's value (what each does: SETTINGS in settings.ts), but where a setting only shapes another field.
 * Nothing in it is a token: a backend block cannot reference another stack, so both stacks derive every name
 * from these plain values.
 */
export type BackendConfig = {
  readonly [N in Exclude<SettingName, ShapingOnly>]: Frozen<SettingValues[N]>;
} & {
  /** cdktf.json's projectId; the seed of the default bucket name. */
  readonly projectId: string;
  /** The DynamoDB lock table; undefined when locking is `s3` (no table is created or used). */
  readonly lockTable: string | undefined;
  /** Bucket that receives the state bucket's server access logs; undefined when access logging is off. */
  readonly logBucket: string | undefined;
  /** Cross-region replication of the state bucket; undefined when off (the default). */
  readonly replica: ReplicaConfig | undefined;
  /** Where each setting given (not defaulted) came from, as messages name it: its variable, or "<file>: <key>". */
  readonly origins: Readonly<Partial<Record<SettingName, string>>>;
};

/** Settings that reach the config only through the fields they shape (lockTable, logBucket, replica). */
export type ShapingOnly = 'lockTable' | 'logBucket' | 'accessLogging' | 'replicaRegion' | 'replicaBucket';

/** A loaded value as the config holds it: lists and tags frozen. */
type Frozen<T> = T extends readonly (infer Item)[] ? readonly Item[] : T extends object ? Readonly<T> : T;

/** Weaker settings a user can opt into, each only by naming it in the setting acceptedRisks. */
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
