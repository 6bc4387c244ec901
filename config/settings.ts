// The public interface: every setting, its environment variable, its config-file key, its default, how its
// value is read and checked, and what it does. The loader is a loop over this table, the README's settings
// table is rendered from it (a test keeps the two in step), so each default is written here and nowhere else.
import { markdownCell } from '../markdown';
import { defaultBucketName, defaultKmsAlias } from './naming';
import { flag, list, MAX_USER_TAGS, oneOf, type Parser, tagMap, text, wholeNumber } from './parsers';
import {
  accountIdRule,
  bucketNameRule,
  canonicalEndpoint,
  endpointRule,
  environmentNameRule,
  hasLoopbackHost,
  keyPrefixRule,
  kmsAliasRule,
  kmsKeyArnRule,
  principalArnRule,
  regionRule,
  retentionDaysRule,
  stateKeyRule,
  tableNameRule,
} from './rules';
import { ACCEPTED_RISKS, type AcceptedRisk, BOOTSTRAP_BACKENDS, LOCKING_MODES } from './types';

/** What a rule or a derived default may read: the other settings, each loaded on first use. */
export interface LoadedSettings {
  get<N extends SettingName>(name: N): SettingValues[N];
  /** Whether a setting's value keeps that setting's own rule. */
  valid(name: SettingName): boolean;
  /** cdktf.json's projectId, read on first use; undefined (and reported) when it cannot be read. */
  projectId(): string | undefined;
}

/** A default computed from other settings. */
export class Derived<T> {
  constructor(
    /** The default as the README shows it. */
    readonly describe: string,
    /** What a message calls the value when it breaks the setting's rule. */
    readonly label: string,
    readonly derive: (settings: LoadedSettings) => T,
    /** Whether what it is derived from is valid: only then is the value checked (one mistake, one line). */
    readonly checked: (settings: LoadedSettings) => boolean,
  ) {}
}

export interface Setting<T> {
  /** Environment variable; wins over the config file. */
  readonly env: string;
  /** Key in the JSON config file. */
  readonly file: string;
  /** The value when the setting is not given or its value is refused outright: typed, or derived. */
  readonly default: T | Derived<T>;
  /** What an undefined default means, as the README says it. */
  readonly unset?: string;
  /** Environment variables read, in this order, when the setting is not given, before the default. */
  readonly fallbackEnv?: readonly string[];
  /** An empty environment variable counts as unset instead of as an empty value. */
  readonly emptyEnvIsUnset?: boolean;
  /** Read only when this other setting has a value; given without it, refused (it would do nothing). */
  readonly onlyWith?: string;
  readonly parse: Parser<T, LoadedSettings>;
  /** One line on what it does. */
  readonly description: string;
  /** Where the value may come from; absent: the environment or the file alike. */
  readonly onlyFrom?: TrustedSource;
}

/**
 * A setting whose value sends data or credentials to a host, opens the state to another account, lifts a protection or accepts a risk may come
 * only from the environment of whoever runs the command: the config file may come from anyone who opens a
 * pull request. The loader drops such a file key with one line, and the README's trust rules are these.
 */
export interface TrustedSource {
  /** Values the file may hold all the same, as a message names them; absent: none. */
  readonly fileMayHold?: { readonly describe: string; readonly accepts: (value: unknown) => boolean };
  /** What the value does that a stranger must not decide, completing "(it ...)". */
  readonly because: string;
  /** What a user does instead, one sentence. */
  readonly instead: string;
}

/** Below this many days of noncurrent retention a bad apply can outlive its own undo, and access logs an incident's discovery: needs short-retention. */
export const MIN_SAFE_NONCURRENT_DAYS = 30;

export const SETTINGS = {
  bucket: {
    env: 'TFSTATE_BUCKET',
    file: 'bucket',
    default: new Derived(
      'tfstate-<first 12 hex digits of cdktf.json projectId>-<region>',
      'derived bucket name',
      (s): string => defaultBucketName(s.projectId() ?? '', s.get('region')),
      (s): boolean => s.valid('region'),
    ),
    parse: text(bucketNameRule),
    description: 'Name of the S3 state bucket (AWS bucket naming rules).',
  },
  region: {
    env: 'TFSTATE_REGION',
    file: 'region',
    default: 'us-east-1',
    fallbackEnv: ['AWS_REGION', 'AWS_DEFAULT_REGION'],
    parse: text(regionRule),
    description: 'Region of the bucket, the lock table and the KMS key.',
  },
  lockTable: {
    env: 'TFSTATE_LOCK_TABLE',
    file: 'lockTable',
    default: 'terraform-locks',
    parse: text(tableNameRule),
    description: 'Name of the DynamoDB lock table (hash key LockID, string). Unused when locking is s3.',
  },
  stateKey: {
    env: 'TFSTATE_KEY',
    file: 'stateKey',
    default: 'app/terraform.tfstate',
    parse: text(stateKeyRule),
    description: 'State object key of the app stack.',
  },
  locking: {
    env: 'TFSTATE_LOCKING',
    file: 'locking',
    default: 'dynamodb',
    parse: oneOf(LOCKING_MODES),
    description:
      'dynamodb (lock table), s3 (Terraform >= 1.10 use_lockfile, no table) or both (migration between them).',
  },
  endpoint: {
    env: 'AWS_ENDPOINT_URL',
    file: 'endpoint',
    default: undefined,
    unset: 'real AWS',
    // As in the AWS SDKs.
    emptyEnvIsUnset: true,
    parse: text(endpointRule, canonicalEndpoint),
    description: 'S3/DynamoDB-compatible endpoint (moto, LocalStack): provider and backend point there, path-style.',
    onlyFrom: {
      fileMayHold: {
        describe: 'a loopback URL (host localhost, 127.x.y.z or [::1])',
        accepts: (value) => hasLoopbackHost(String(value)),
      },
      because: "it would send the state and the caller's credentials to that host",
      instead: 'Set AWS_ENDPOINT_URL for an emulator elsewhere',
    },
  },
  kmsAlias: {
    env: 'TFSTATE_KMS_ALIAS',
    file: 'kmsAlias',
    default: new Derived(
      'alias/<bucket, dots as hyphens>',
      'derived KMS alias',
      (s): string => defaultKmsAlias(s.get('bucket')),
      (s): boolean => s.valid('bucket'),
    ),
    parse: text(kmsAliasRule),
    description: 'Alias of the customer managed KMS key; the backend refers to the key by it.',
  },
  noncurrentVersionDays: {
    env: 'TFSTATE_NONCURRENT_DAYS',
    file: 'noncurrentVersionDays',
    default: 90,
    parse: wholeNumber(retentionDaysRule),
    description: 'Days a superseded state version is kept before S3 expires it.',
  },
  bootstrapBackend: {
    env: 'TFSTATE_BOOTSTRAP_BACKEND',
    file: 'bootstrapBackend',
    default: 'local',
    parse: oneOf(BOOTSTRAP_BACKENDS),
    description:
      'local (terraform.bootstrap.tfstate in the project root) or s3 (phase 3: the bucket holds bootstrap state too).',
  },
  bootstrapStateKey: {
    env: 'TFSTATE_BOOTSTRAP_KEY',
    file: 'bootstrapStateKey',
    default: 'bootstrap/terraform.tfstate',
    parse: text(stateKeyRule),
    description: 'State object key of the bootstrap stack when its backend is s3.',
  },
  allowDestroy: {
    env: 'TFSTATE_ALLOW_DESTROY',
    file: 'allowDestroy',
    default: false,
    parse: flag(),
    description:
      "The teardown's internal switch, not a user setting: true lifts prevent_destroy (state, log and replica buckets, keys, aliases) and the table deletion protection, and lets destroy empty the log buckets.",
    onlyFrom: {
      because: 'it lifts prevent_destroy and deletion protection',
      instead: 'Nothing uses it from here; the teardown sets TFSTATE_ALLOW_DESTROY itself',
    },
  },
  environments: {
    env: 'TFSTATE_ENVIRONMENTS',
    file: 'environments',
    default: [],
    parse: list(environmentNameRule, 'each environment must be listed once'),
    description: 'Comma-separated environments (e.g. dev,staging,prod); each gets an app-<env> stack.',
  },
  environmentKeyPrefix: {
    env: 'TFSTATE_ENV_KEY_PREFIX',
    file: 'environmentKeyPrefix',
    default: 'env',
    parse: text(keyPrefixRule),
    description: 'Each environment keeps its state at <prefix>/<env>/terraform.tfstate.',
  },
  crossAccountPrincipals: {
    env: 'TFSTATE_CROSS_ACCOUNT_PRINCIPALS',
    file: 'crossAccountPrincipals',
    default: [],
    parse: list(principalArnRule, 'each principal must be listed once'),
    description:
      "Comma-separated IAM principal ARNs (or account ids) of other accounts granted read-write on the project's state keys and the kOps store.",
    onlyFrom: {
      because: 'it opens the state to other AWS accounts',
      instead: 'Set TFSTATE_CROSS_ACCOUNT_PRINCIPALS when you deploy bootstrap',
    },
  },
  crossAccountReaders: {
    env: 'TFSTATE_CROSS_ACCOUNT_READERS',
    file: 'crossAccountReaders',
    default: [],
    parse: list(
      (principal, s): string | undefined =>
        s.get('crossAccountPrincipals').includes(principal)
          ? `is already a writer (${SETTINGS.crossAccountPrincipals.env})`
          : principalArnRule(principal),
      'each principal must be listed once',
    ),
    description:
      "Comma-separated IAM principal ARNs (or account ids) of other accounts granted read-only on the project's state keys (terraform_remote_state, plan -lock=false).",
    onlyFrom: {
      because: 'it opens the state to other AWS accounts',
      instead: 'Set TFSTATE_CROSS_ACCOUNT_READERS when you deploy bootstrap',
    },
  },
  accountId: {
    env: 'TFSTATE_ACCOUNT_ID',
    file: 'accountId',
    default: undefined,
    unset: "read from the deployed bootstrap's outputs",
    parse: text(accountIdRule),
    description:
      '12-digit id of the account that owns bucket, table and key; names that account in exported policies and --for-account settings.',
  },
  kopsPrefix: {
    env: 'TFSTATE_KOPS_PREFIX',
    file: 'kopsPrefix',
    default: 'kops',
    parse: text(keyPrefixRule),
    description: 'Folder of the bucket used as the kOps state store (s3://<bucket>/<prefix>).',
  },
  accessLogging: {
    env: 'TFSTATE_ACCESS_LOGGING',
    file: 'accessLogging',
    default: true,
    parse: flag(),
    description:
      'S3 server access logs of the state bucket go to a separate log bucket; false needs TFSTATE_ACCEPT_RISKS=no-access-logging.',
  },
  logBucket: {
    env: 'TFSTATE_LOG_BUCKET',
    file: 'logBucket',
    default: new Derived(
      '<bucket>-logs',
      'derived log bucket name',
      (s): string => `${s.get('bucket')}-logs`,
      (s): boolean => s.valid('bucket'),
    ),
    parse: text(bucketNameRule),
    description: 'Name of the access-log bucket (versioned, SSE-S3 as S3 requires for log targets, private).',
  },
  accessLogDays: {
    env: 'TFSTATE_ACCESS_LOG_DAYS',
    file: 'accessLogDays',
    default: 365,
    parse: wholeNumber(retentionDaysRule),
    description: 'Days an access log object is kept before S3 expires it.',
  },
  replicaRegion: {
    env: 'TFSTATE_REPLICA_REGION',
    file: 'replicaRegion',
    default: undefined,
    unset: 'no replication',
    parse: text(regionRule),
    description:
      'A second region: the state bucket is replicated to a versioned bucket there, encrypted with its own KMS key.',
  },
  replicaBucket: {
    env: 'TFSTATE_REPLICA_BUCKET',
    file: 'replicaBucket',
    default: new Derived(
      '<bucket>-replica',
      'derived replica bucket name',
      (s): string => `${s.get('bucket')}-replica`,
      (s): boolean => s.valid('bucket'),
    ),
    onlyWith: 'replicaRegion',
    parse: text(bucketNameRule),
    description:
      'Name of the replica bucket (with access logging on, its access logs go to <replica bucket>-logs there); used only with TFSTATE_REPLICA_REGION (refused without it).',
  },
  acceptedRisks: {
    env: 'TFSTATE_ACCEPT_RISKS',
    file: 'acceptRisks',
    default: [],
    parse: list<AcceptedRisk>(
      (risk) =>
        (ACCEPTED_RISKS as readonly string[]).includes(risk)
          ? undefined
          : `must list only ${ACCEPTED_RISKS.join(', ')}`,
      'each risk must be listed once',
    ),
    description: `Comma-separated acknowledgements that allow a weaker setting: no-access-logging, short-retention (noncurrent or access-log days below ${MIN_SAFE_NONCURRENT_DAYS}).`,
    onlyFrom: {
      because: 'it accepts a weakening, and the file that may make the weakening must not also accept it',
      instead: 'Set TFSTATE_ACCEPT_RISKS when you run the command',
    },
  },
  adopt: {
    env: 'TFSTATE_ADOPT',
    file: 'adopt',
    default: false,
    parse: flag(),
    description:
      'true imports an existing state bucket and lock table (made by hand) into bootstrap and converges them to this hardening; objects and items are kept. Refused at plan time, before any change, when they do not fit.',
  },
  kmsKeyArn: {
    env: 'TFSTATE_KMS_KEY_ARN',
    file: 'kmsKeyArn',
    default: undefined,
    unset: 'a new key is created',
    parse: text((arn, s): string | undefined => kmsKeyArnRule(arn, s.get('region'))),
    description:
      'ARN of an existing KMS key in the region to encrypt state with instead of creating one; its key policy stays yours, the alias is created for it.',
    // prevent_destroy holds a resource only while it is in the configuration: a key named here takes the created
    // key out of it, and the next deploy of bootstrap schedules that key (and every state version it encrypts) for deletion.
    onlyFrom: {
      because:
        'it takes the KMS key bootstrap created out of the configuration, where prevent_destroy no longer holds it: the next deploy schedules it for deletion',
      instead: 'Set TFSTATE_KMS_KEY_ARN when you deploy bootstrap',
    },
  },
  tags: {
    env: 'TFSTATE_TAGS',
    file: 'tags',
    default: {},
    parse: tagMap(),
    description: `Comma-separated key=value tags (e.g. team=platform,cost-center=42; AWS tag rules, at most ${MAX_USER_TAGS}, keys unique without case) on every resource from its create call on, besides ManagedBy and StateBucket.`,
  },
} satisfies { readonly [name: string]: Setting<unknown> };

export type SettingName = keyof typeof SETTINGS;

/** Each setting's value once loaded. */
export type SettingValues = { [N in SettingName]: ValueOf<(typeof SETTINGS)[N]> };

/** What a setting's parser reads; undefined too where that is its default, or where its companion is unset. */
type ValueOf<S> = S extends { parse: Parser<infer T, LoadedSettings> }
  ? T | (S extends { default: undefined } | { onlyWith: string } ? undefined : never)
  : never;

/** Every setting's name, in the table's order: the order the README lists them and the loader reports problems. */
export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

/** Path of the config file, relative to the project root, unless TFSTATE_CONFIG names another. */
export const CONFIG_FILE = 'tfstate.config.json';
export const CONFIG_FILE_ENV = 'TFSTATE_CONFIG';

/** A variable with this prefix that is no setting and not in OPERATIONAL_ENV is refused as a typo. */
export const ENV_PREFIX = 'TFSTATE_';

/** Variables with the prefix that are not settings but are read by the operational commands. */
export const OPERATIONAL_ENV = [CONFIG_FILE_ENV, 'TFSTATE_PROVIDER_MIRROR', 'TFSTATE_CONFIRM_TEARDOWN'] as const;

/** A default as the README shows it: a derived one by its description, a typed one as it is written. */
export function renderDefault(setting: Setting<unknown>): string {
  const value = setting.default;
  if (value instanceof Derived) return value.describe;
  if (value === undefined) return `(unset: ${setting.unset})`;
  if (typeof value === 'object' && value !== null) {
    const items = Array.isArray(value)
      ? value.map(String)
      : Object.entries(value).map(([key, item]) => `${key}=${String(item)}`);
    return items.length === 0 ? '(none)' : items.join(',');
  }
  return [...(setting.fallbackEnv ?? []), String(value)].join(', then ');
}

/** The README's settings table, rendered from SETTINGS so the documentation cannot drift from the code. */
export function renderSettingsTable(): string {
  const rows = SETTING_NAMES.map((name) => {
    const setting: Setting<unknown> = SETTINGS[name];
    return `| \`${setting.env}\` | \`${setting.file}\` | ${markdownCell(renderFrom(setting))} | ${markdownCell(renderDefault(setting))} | ${markdownCell(setting.description)} |`;
  });
  return ['| Variable | File key | From | Default | What it does |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** Where a setting may come from, as the README's settings table says it. */
export function renderFrom(setting: Setting<unknown>): string {
  if (!setting.onlyFrom) return 'environment or file';
  return setting.onlyFrom.fileMayHold
    ? `environment; file: only ${setting.onlyFrom.fileMayHold.describe}`
    : 'environment only';
}

/** The README's first rule of untrusted settings, one bullet per setting the file may not hold, from SETTINGS. */
export function renderTrustRules(): string {
  const limited = (Object.values(SETTINGS) as Setting<unknown>[]).flatMap((setting) =>
    setting.onlyFrom ? [{ setting, trusted: setting.onlyFrom }] : [],
  );
  return [
    '- What sends data or credentials to a host, opens the state to another account, lifts a protection or accepts a risk',
    '  comes only from the environment of whoever runs the command; the file holding it is refused in one line that names',
    '  the file, the key and what to do:',
    ...limited.map(({ setting, trusted }) => {
      const file = trusted.fileMayHold ? `from the file only ${trusted.fileMayHold.describe}` : 'never from the file';
      return `  - \`${setting.env}\` (\`${setting.file}\`): ${file}, since ${trusted.because}. ${trusted.instead}.`;
    }),
  ].join('\n');
}
