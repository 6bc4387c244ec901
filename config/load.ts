import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'fs';
import { isAbsolute, join } from 'path';
import {
  accountIdRule,
  retentionDaysRule,
  bucketNameRule,
  endpointRule,
  environmentNameRule,
  keyPrefixRule,
  kmsAliasRule,
  kmsKeyArnRule,
  principalArnRule,
  inFolder,
  regionRule,
  stateKeyRule,
  tableNameRule,
  tagKeyRule,
  tagValueRule,
  templateRule,
} from './rules';
import {
  CONFIG_FILE,
  CONFIG_FILE_ENV,
  DEFAULT_ACCESS_LOG_DAYS,
  DEFAULT_BOOTSTRAP_STATE_KEY,
  DEFAULT_ENV_KEY_PREFIX,
  DEFAULT_KOPS_PREFIX,
  DEFAULT_LOCK_TABLE,
  DEFAULT_NONCURRENT_DAYS,
  DEFAULT_REGION,
  DEFAULT_STATE_KEY,
  MAX_USER_TAGS,
  MIN_SAFE_NONCURRENT_DAYS,
  SETTINGS,
  SettingName,
} from './settings';
import { deniedDeeperKeys, environmentStateKey, defaultBucketName, defaultKmsAlias, iamPatternMatches, inEveryWorkspace, projectTags } from './naming';
import {
  ACCEPTED_RISKS,
  AcceptedRisk,
  BackendConfig,
  BOOTSTRAP_BACKENDS,
  BootstrapBackend,
  ConfigError,
  LOCKING_MODES,
  LockingMode,
  ReplicaConfig,
} from './types';

export interface LoadOptions {
  /** Environment to read; defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Project root (where cdktf.json and the config file live); defaults to the working directory. */
  readonly cwd?: string;
  /** cdktf.json's projectId; read from cdktf.json in cwd when omitted. */
  readonly projectId?: string;
}

/** Variables with the TFSTATE_ prefix that are not config settings but are read by the operational commands. */
export const OPERATIONAL_ENV = ['TFSTATE_CONFIG', 'TFSTATE_PROVIDER_MIRROR', 'TFSTATE_CONFIRM_TEARDOWN'] as const;

type FileValues = Record<string, unknown>;

/** A raw value and the words that tell the user where it came from. */
interface Raw {
  readonly value: unknown;
  readonly origin: string;
}

/**
 * Reads environment, config file and defaults (highest first), validates every setting against AWS's and
 * Terraform's rules, and returns a frozen config. Throws ConfigError listing every problem at once.
 */
export function loadConfig(options: LoadOptions = {}): BackendConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const problems: string[] = [];

  const file = readConfigFile(env, cwd, problems);
  checkUnknownNames(env, file, problems);

  const source = (name: SettingName): Raw | undefined => {
    const spec = SETTINGS[name];
    const fromEnv = env[spec.env];
    if (fromEnv !== undefined && !(spec.env === 'AWS_ENDPOINT_URL' && fromEnv === '')) return { value: fromEnv, origin: spec.env };
    if (file && Object.prototype.hasOwnProperty.call(file.values, spec.file)) return { value: file.values[spec.file], origin: `${file.label}: ${spec.file}` };
    return undefined;
  };
  // Every setting, whatever its own rule: a template sequence is refused before the value is used anywhere,
  // so a setting added later cannot forget it. A refused value counts as unset (one mistake, one line).
  const raw = (name: SettingName): Raw | undefined => {
    const found = source(name);
    const strings = stringsIn(found?.value);
    const broken = strings.map(templateRule).find((rule) => rule !== undefined);
    if (found && broken) {
      problems.push(`${found.origin}=${shown(found.value)}: ${broken}`);
      return undefined;
    }
    return found;
  };
  const str = (name: SettingName): Raw & { value: string } | undefined => {
    const found = raw(name);
    if (!found) return undefined;
    if (typeof found.value !== 'string') {
      problems.push(`${found.origin}=${shown(found.value)}: must be a string`);
      return undefined;
    }
    if (found.value === '') {
      problems.push(`${found.origin}="": must not be empty (unset it to use the default)`);
      return undefined;
    }
    return found as Raw & { value: string };
  };
  // A derived value is only checked when what it is derived from is valid: one mistake, one line.
  const check = (found: Raw | undefined, value: string, rule: (v: string) => string | undefined, origin: string, derivedFromValid = true): string => {
    const broken = found || derivedFromValid ? rule(value) : undefined;
    if (broken) problems.push(`${found?.origin ?? origin}=${shown(value)}: ${broken}`);
    return value;
  };

  const regionRaw = str('region') ?? ambientRegion(env);
  const region = check(regionRaw, regionRaw?.value ?? DEFAULT_REGION, regionRule, 'region');
  const regionValid = regionRule(region) === undefined;

  const locking = oneOf<LockingMode>(str('locking'), LOCKING_MODES, 'dynamodb', problems);

  let projectId = options.projectId;
  const bucketRaw = str('bucket');
  if (!bucketRaw && projectId === undefined) projectId = readProjectId(cwd, problems);
  const bucket = check(bucketRaw, bucketRaw?.value ?? defaultBucketName(projectId ?? '', region), bucketNameRule, 'derived bucket name', regionValid && projectId !== undefined);

  const tableRaw = str('lockTable');
  const lockTable = check(tableRaw, tableRaw?.value ?? DEFAULT_LOCK_TABLE, tableNameRule, 'lockTable');

  const keyRaw = str('stateKey');
  const stateKey = check(keyRaw, keyRaw?.value ?? DEFAULT_STATE_KEY, stateKeyRule, 'stateKey');

  const aliasRaw = str('kmsAlias');
  const kmsAlias = check(aliasRaw, aliasRaw?.value ?? defaultKmsAlias(bucket), kmsAliasRule, 'derived KMS alias', bucketNameRule(bucket) === undefined);

  const endpointRaw = str('endpoint');
  const endpoint = endpointRaw ? check(endpointRaw, endpointRaw.value, endpointRule, 'endpoint').replace(/\/+$/, '') : undefined;

  const bootstrapBackend = oneOf<BootstrapBackend>(str('bootstrapBackend'), BOOTSTRAP_BACKENDS, 'local', problems);
  const bootstrapKeyRaw = str('bootstrapStateKey');
  const bootstrapStateKey = check(bootstrapKeyRaw, bootstrapKeyRaw?.value ?? DEFAULT_BOOTSTRAP_STATE_KEY, stateKeyRule, 'bootstrapStateKey');

  const acceptedRisks = list(raw('acceptRisks'), (item) => ((ACCEPTED_RISKS as readonly string[]).includes(item) ? undefined : `must list only ${ACCEPTED_RISKS.join(', ')}`), problems, 'each risk must be listed once') as AcceptedRisk[];
  const accepts = (risk: AcceptedRisk) => acceptedRisks.includes(risk);

  const noncurrentRaw = raw('noncurrentVersionDays');
  const noncurrentVersionDays = integer(noncurrentRaw, DEFAULT_NONCURRENT_DAYS, retentionDaysRule, problems);
  if (noncurrentVersionDays < MIN_SAFE_NONCURRENT_DAYS && !accepts('short-retention')) {
    problems.push(
      `${noncurrentRaw?.origin ?? SETTINGS.noncurrentVersionDays.env}=${shown(noncurrentRaw?.value)}: keeps old state versions less than ${MIN_SAFE_NONCURRENT_DAYS} days; set ${SETTINGS.acceptRisks.env}=short-retention to accept that`,
    );
  }

  const bucketValid = bucketNameRule(bucket) === undefined;
  const loggingRaw = raw('accessLogging');
  const accessLogging = boolean(loggingRaw, true, problems);
  if (!accessLogging && !accepts('no-access-logging')) {
    problems.push(`${loggingRaw?.origin}=${shown(loggingRaw?.value)}: turns off access logging of the state bucket; set ${SETTINGS.acceptRisks.env}=no-access-logging to accept that`);
  }
  const logBucketRaw = str('logBucket');
  const logBucketName = check(logBucketRaw, logBucketRaw?.value ?? `${bucket}-logs`, bucketNameRule, 'derived log bucket name', bucketValid);
  const accessLogDays = integer(raw('accessLogDays'), DEFAULT_ACCESS_LOG_DAYS, retentionDaysRule, problems);

  const replicaRegionRaw = str('replicaRegion');
  let replica: ReplicaConfig | undefined;
  if (replicaRegionRaw) {
    const replicaRegion = check(replicaRegionRaw, replicaRegionRaw.value, regionRule, 'replicaRegion');
    if (replicaRegion === region) problems.push(`${replicaRegionRaw.origin}=${shown(replicaRegion)}: must differ from the state bucket's region (cross-region replication)`);
    const replicaBucketRaw = str('replicaBucket');
    const replicaBucket = check(replicaBucketRaw, replicaBucketRaw?.value ?? `${bucket}-replica`, bucketNameRule, 'derived replica bucket name', bucketValid);
    const replicaLogBucket = accessLogging
      ? check(undefined, `${replicaBucket}-logs`, bucketNameRule, `derived replica log bucket name (${SETTINGS.replicaBucket.env} + "-logs")`, bucketNameRule(replicaBucket) === undefined)
      : undefined;
    replica = { region: replicaRegion, bucket: replicaBucket, logBucket: replicaLogBucket };
  }
  checkBucketsDistinct(
    [
      [bucketRaw?.origin ?? SETTINGS.bucket.env, bucket],
      ...(accessLogging ? [[logBucketRaw?.origin ?? SETTINGS.logBucket.env, logBucketName] as [string, string]] : []),
      ...(replica ? [[SETTINGS.replicaBucket.env, replica.bucket] as [string, string]] : []),
      ...(replica?.logBucket ? [[`replica log bucket (${SETTINGS.replicaBucket.env}-logs)`, replica.logBucket] as [string, string]] : []),
    ],
    problems,
  );
  const allowDestroy = boolean(raw('allowDestroy'), false, problems);

  const prefixRaw = str('environmentKeyPrefix');
  const environmentKeyPrefix = check(prefixRaw, prefixRaw?.value ?? DEFAULT_ENV_KEY_PREFIX, keyPrefixRule, 'environmentKeyPrefix');
  const environments = list(raw('environments'), environmentNameRule, problems);
  const crossAccountPrincipals = list(raw('crossAccountPrincipals'), principalArnRule, problems, 'each principal must be listed once');
  const readersRaw = raw('crossAccountReaders');
  const crossAccountReaders = list(readersRaw, (principal) => (crossAccountPrincipals.includes(principal) ? `is already a writer (${SETTINGS.crossAccountPrincipals.env})` : principalArnRule(principal)), problems, 'each principal must be listed once');
  const accountRaw = str('accountId');
  const accountId = accountRaw ? check(accountRaw, accountRaw.value, accountIdRule, 'accountId') : undefined;
  const kopsRaw = str('kopsPrefix');
  const kopsPrefix = check(kopsRaw, kopsRaw?.value ?? DEFAULT_KOPS_PREFIX, keyPrefixRule, 'kopsPrefix');

  const ownKeys: [origin: string, key: string][] = [
    [keyRaw?.origin ?? SETTINGS.stateKey.env, stateKey],
    [bootstrapKeyRaw?.origin ?? SETTINGS.bootstrapStateKey.env, bootstrapStateKey],
  ];
  // A key in another party's folder is reported once, as that: it is also why it could collide with an environment's key.
  const misplaced = checkFoldersApart(
    { origin: kopsRaw?.origin ?? SETTINGS.kopsPrefix.env, folder: kopsPrefix, what: 'the kOps state store (kOps users may read and delete everything in it)' },
    { origin: prefixRaw?.origin ?? SETTINGS.environmentKeyPrefix.env, folder: environmentKeyPrefix, what: "the environments' state keys" },
    ownKeys,
    problems,
  );
  checkKeysDistinct([...ownKeys.filter(([origin]) => !misplaced.has(origin)), ...environments.map((name): [string, string] => [`environment "${name}"`, environmentStateKey(environmentKeyPrefix, name)])], problems);

  // Derived from the keys and environments, so checked only when those are valid and not already reported.
  const keyOrigin = keyRaw?.origin ?? SETTINGS.stateKey.env;
  const bootstrapOrigin = bootstrapKeyRaw?.origin ?? SETTINGS.bootstrapStateKey.env;
  const derivedFromValid =
    environments.every((name) => environmentNameRule(name) === undefined) &&
    [stateKey, bootstrapStateKey].every((key) => stateKeyRule(key) === undefined) &&
    keyPrefixRule(environmentKeyPrefix) === undefined &&
    !misplaced.has(keyOrigin) &&
    !misplaced.has(bootstrapOrigin);
  if (environments.length > 0 && derivedFromValid) {
    checkKeysBesideEnvironments(environmentKeyPrefix, environments, [keyOrigin, stateKey], problems);
  }

  const adopt = boolean(raw('adopt'), false, problems);
  const kmsKeyArnRaw = str('kmsKeyArn');
  const kmsKeyArn = kmsKeyArnRaw ? check(kmsKeyArnRaw, kmsKeyArnRaw.value, (arn) => kmsKeyArnRule(arn, region), 'kmsKeyArn', regionValid) : undefined;
  if (kmsKeyArnRaw && (crossAccountPrincipals.length > 0 || crossAccountReaders.length > 0)) {
    const grants = crossAccountPrincipals.length > 0 ? SETTINGS.crossAccountPrincipals.env : SETTINGS.crossAccountReaders.env;
    problems.push(`${kmsKeyArnRaw.origin}=${JSON.stringify(kmsKeyArnRaw.value)}: the key policy of an existing key is not managed here, so it cannot grant ${grants}; add those grants to its key policy and drop one of the two settings`);
  }
  const tags = tagMap(raw('tags'), problems);

  if (problems.length > 0) throw new ConfigError(problems);

  return Object.freeze({
    projectId: projectId ?? '',
    region,
    bucket,
    lockTable: locking === 's3' ? undefined : lockTable,
    locking,
    stateKey,
    kmsAlias,
    noncurrentVersionDays,
    endpoint,
    bootstrapBackend,
    bootstrapStateKey,
    allowDestroy,
    environments: Object.freeze(environments),
    environmentKeyPrefix,
    crossAccountPrincipals: Object.freeze(crossAccountPrincipals),
    crossAccountReaders: Object.freeze(crossAccountReaders),
    accountId,
    kopsPrefix,
    logBucket: accessLogging ? logBucketName : undefined,
    accessLogDays,
    replica: replica ? Object.freeze(replica) : undefined,
    acceptedRisks: Object.freeze(acceptedRisks),
    adopt,
    kmsKeyArn,
    tags: Object.freeze(tags),
  });
}

/** key=value pairs (a string "a=1,b=2", or an object in the file) checked against AWS's tag rules. */
function tagMap(found: Raw | undefined, problems: string[]): Record<string, string> {
  if (!found) return {};
  const fail = (rule: string) => problems.push(`${found.origin}=${shown(found.value)}: ${rule}`);
  let pairs: [string, unknown][];
  if (typeof found.value === 'string') {
    pairs = [];
    for (const item of found.value.split(',').map((part) => part.trim()).filter((part) => part !== '')) {
      const at = item.indexOf('=');
      if (at < 0) fail(`each tag must be key=value ("${item}")`);
      else pairs.push([item.slice(0, at).trim(), item.slice(at + 1).trim()]);
    }
  } else if (typeof found.value === 'object' && found.value !== null && !Array.isArray(found.value)) {
    pairs = Object.entries(found.value);
  } else {
    fail('must be a comma-separated string of key=value or an object of strings');
    return {};
  }
  const reserved = Object.keys(projectTags(''));
  // IAM refuses two tag keys that differ only in case on a role (the replication role): compare without case.
  const folded = (key: string) => key.toLowerCase();
  // A Map, not an object: "constructor" or "__proto__" are tag keys like any other.
  const tags = new Map<string, string>();
  for (const [key, value] of pairs) {
    const broken =
      typeof value !== 'string'
        ? `tag values must be strings (the value of "${key}")`
        : [...tags.keys()].some((listed) => folded(listed) === folded(key))
          ? `each tag key must be listed once, in any case (IAM ignores case) ("${key}")`
          : reserved.some((own) => folded(own) === folded(key))
            ? `"${key}" is a tag the project sets itself (${reserved.join(', ')}; IAM ignores case)`
            : (tagKeyRule(key) ?? tagValueRule(key, value));
    if (broken) fail(broken);
    else tags.set(key, value as string);
  }
  if (tags.size > MAX_USER_TAGS) fail(`at most ${MAX_USER_TAGS} tags (AWS allows 50 per resource; the project sets 2)`);
  return Object.fromEntries(tags);
}

interface Folder {
  readonly origin: string;
  readonly folder: string;
  /** What the folder holds, completing "... would lie in <what>". */
  readonly what: string;
}

/**
 * The kOps store and the environments' prefix are folders another party (kOps users, per-environment
 * policies) owns as a whole: no state key of another stack may lie in either, and neither folder in the other.
 */
function checkFoldersApart(kops: Folder, environments: Folder, keys: readonly [origin: string, key: string][], problems: string[]): Set<string> {
  const misplaced = new Set<string>();
  if (inFolder(kops.folder, environments.folder) || inFolder(environments.folder, kops.folder)) {
    problems.push(`${kops.origin}=${shown(kops.folder)}: overlaps ${environments.origin}=${shown(environments.folder)}; the kOps state store and the environments' keys need separate folders`);
  }
  for (const folder of [kops, environments]) {
    for (const [origin, key] of keys) {
      if (inFolder(key, folder.folder) && !misplaced.has(origin)) {
        problems.push(`${origin}=${shown(key)}: lies in folder "${folder.folder}" (${folder.origin}), ${folder.what}; choose a key outside it`);
        misplaced.add(origin);
      }
    }
  }
  return misplaced;
}

/** Every string in a setting's value: the value itself, a list's items, an object's keys and values (tags). */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([key, item]) => (typeof item === 'string' ? [key, item] : [key]));
  return [];
}

/** A value as a message shows it: JSON, cut short so a huge value is not echoed back whole. */
export function shown(value: unknown, limit = 100): string {
  return cut(JSON.stringify(value) ?? String(value), limit);
}

function cut(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}... (${text.length} characters)`;
}

function checkBucketsDistinct(buckets: readonly [origin: string, name: string][], problems: string[]): void {
  const owner = new Map<string, string>();
  for (const [origin, name] of buckets) {
    const first = owner.get(name);
    if (first) problems.push(`${origin}=${shown(name)}: is already the bucket of ${first}; state, logs and replica need separate buckets`);
    else owner.set(name, origin);
  }
}

function ambientRegion(env: NodeJS.ProcessEnv): Raw & { value: string } | undefined {
  for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION']) {
    const value = env[name];
    if (value) return { value, origin: name };
  }
  return undefined;
}

/** A settings file is a few hundred bytes; anything near this is not one (and is not read whole). */
export const MAX_CONFIG_BYTES = 64 * 1024;

function readConfigFile(env: NodeJS.ProcessEnv, cwd: string, problems: string[]): { label: string; values: FileValues } | undefined {
  const explicit = env[CONFIG_FILE_ENV];
  const path = explicit ? (isAbsolute(explicit) ? explicit : join(cwd, explicit)) : join(cwd, CONFIG_FILE);
  const label = explicit ? cut(explicit, 200) : CONFIG_FILE;
  if (!existsSync(path)) {
    if (explicit) problems.push(`${CONFIG_FILE_ENV}=${shown(explicit)}: file does not exist`);
    return undefined;
  }
  const text = readBounded(path, label, problems);
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    problems.push(`${label}: is not valid JSON (${shown((error as Error).message, 200)})`);
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push(`${label}: must hold a JSON object of settings`);
    return undefined;
  }
  const duplicate = duplicateKey(text);
  if (duplicate !== undefined) {
    problems.push(`${label}: the key ${shown(duplicate, 60)} appears twice in one object; JSON.parse would silently keep the last one, so a reader of the file could believe the other`);
    return undefined;
  }
  // A setting is a value, a list or an object of values; anything deeper would only be echoed back in an error,
  // and a value nested tens of thousands deep overflows the stack on the way (JSON.stringify recurses).
  const deep = Object.keys(parsed).find((key) => nestedDeeperThan((parsed as FileValues)[key], 1));
  if (deep !== undefined) {
    problems.push(`${label}: ${cut(deep, 60)}: is nested deeper than any setting (a string, number, boolean, or a list or object of those)`);
    return undefined;
  }
  return { label, values: parsed as FileValues };
}

/** True when `value` holds lists or objects more than `levels` deep; never looks further than that. */
function nestedDeeperThan(value: unknown, levels: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return levels === 0 || Object.values(value).some((item) => nestedDeeperThan(item, levels - 1));
}

/**
 * The first key that appears twice in one object of `text` (valid JSON), compared as decoded ("bu\u0063ket" is
 * "bucket"), else undefined. JSON.parse keeps the last of two silently.
 */
export function duplicateKey(text: string): string | undefined {
  // One entry per open object (its keys so far) or list (null).
  const open: (Set<string> | null)[] = [];
  for (let at = 0; at < text.length; at += 1) {
    const char = text[at];
    if (char === '{') open.push(new Set());
    else if (char === '[') open.push(null);
    else if (char === '}' || char === ']') open.pop();
    else if (char === '"') {
      let end = at + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      let next = end + 1;
      while (' \t\n\r'.includes(text[next] ?? '.')) next += 1;
      const keys = open[open.length - 1];
      if (text[next] === ':' && keys) {
        const key = JSON.parse(text.slice(at, end + 1)) as string;
        if (keys.has(key)) return key;
        keys.add(key);
      }
      at = end;
    }
  }
  return undefined;
}

/** The file's text when it is a regular file of at most MAX_CONFIG_BYTES of UTF-8; else one problem. */
function readBounded(path: string, label: string, problems: string[]): string | undefined {
  const stat = statSync(path);
  if (stat.isDirectory()) {
    problems.push(`${label}: is a directory; the settings file must be a JSON file`);
    return undefined;
  }
  // A device (/dev/zero), FIFO or socket would never end or block the read.
  if (!stat.isFile()) {
    problems.push(`${label}: is not a regular file; the settings file must be a JSON file`);
    return undefined;
  }
  const fd = openSync(path, 'r');
  try {
    // Size from the open file, and never more than the limit read: the file may change between the calls.
    const size = fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.min(size, MAX_CONFIG_BYTES) + 1);
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    if (size > MAX_CONFIG_BYTES || read > MAX_CONFIG_BYTES) {
      problems.push(`${label}: is ${size} bytes; a settings file may have at most ${MAX_CONFIG_BYTES}`);
      return undefined;
    }
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(buffer.subarray(0, read));
    } catch {
      problems.push(`${label}: is not valid UTF-8`);
      return undefined;
    }
  } finally {
    closeSync(fd);
  }
}

/** At most this many unknown names are listed one by one; the rest are counted. */
const MAX_UNKNOWN_LISTED = 5;

function checkUnknownNames(env: NodeJS.ProcessEnv, file: { label: string; values: FileValues } | undefined, problems: string[]): void {
  const specs = Object.values(SETTINGS);
  const knownEnv = new Set<string>([...specs.map((s) => s.env), ...OPERATIONAL_ENV]);
  const report = (where: string, unknown: string[], known: string) => {
    for (const name of unknown.slice(0, MAX_UNKNOWN_LISTED)) problems.push(`${where}${cut(name, 60)}: unknown setting (known: ${known})`);
    if (unknown.length > MAX_UNKNOWN_LISTED) problems.push(`${where}${unknown.length - MAX_UNKNOWN_LISTED} more unknown settings`);
  };
  report('', Object.keys(env).filter((name) => name.startsWith('TFSTATE_') && !knownEnv.has(name)), specs.map((s) => s.env).filter((e) => e.startsWith('TFSTATE_')).join(', '));
  if (!file) return;
  const knownKeys = new Set<string>(specs.map((s) => s.file));
  report(`${file.label}: `, Object.keys(file.values).filter((key) => !knownKeys.has(key)), [...knownKeys].join(', '));
}

function readProjectId(cwd: string, problems: string[]): string | undefined {
  try {
    const cdktf = JSON.parse(readFileSync(join(cwd, 'cdktf.json'), 'utf8')) as { projectId?: unknown };
    if (typeof cdktf.projectId === 'string' && /^[0-9a-f-]{12,}$/i.test(cdktf.projectId)) return cdktf.projectId;
    problems.push('cdktf.json: projectId is missing or not a UUID, so no default bucket name can be derived (set TFSTATE_BUCKET)');
  } catch {
    problems.push(`cdktf.json: not readable in ${cwd}, so no default bucket name can be derived (set TFSTATE_BUCKET)`);
  }
  return undefined;
}

function oneOf<T extends string>(found: Raw | undefined, allowed: readonly T[], fallback: T, problems: string[]): T {
  if (!found) return fallback;
  if ((allowed as readonly unknown[]).includes(found.value)) return found.value as T;
  problems.push(`${found.origin}=${shown(found.value)}: must be one of ${allowed.join(', ')}`);
  return fallback;
}

function integer(found: Raw | undefined, fallback: number, rule: (n: number) => string | undefined, problems: string[]): number {
  if (!found) return fallback;
  const value = typeof found.value === 'string' && /^\s*-?\d+\s*$/.test(found.value) ? Number(found.value) : found.value;
  const broken = typeof value === 'number' ? rule(value) : 'must be a whole number';
  if (broken) {
    problems.push(`${found.origin}=${shown(found.value)}: ${broken}`);
    return fallback;
  }
  return value as number;
}

function boolean(found: Raw | undefined, fallback: boolean, problems: string[]): boolean {
  if (!found) return fallback;
  if (found.value === true || found.value === 'true') return true;
  if (found.value === false || found.value === 'false') return false;
  problems.push(`${found.origin}=${shown(found.value)}: must be true or false`);
  return fallback;
}

function list(found: Raw | undefined, rule: (item: string) => string | undefined, problems: string[], duplicate = 'each environment must be listed once'): string[] {
  if (!found) return [];
  const items =
    typeof found.value === 'string'
      ? found.value.split(',').map((item) => item.trim()).filter((item) => item !== '')
      : Array.isArray(found.value) && found.value.every((item) => typeof item === 'string')
        ? (found.value as string[])
        : undefined;
  if (!items) {
    problems.push(`${found.origin}=${shown(found.value)}: must be a comma-separated string or a list of strings`);
    return [];
  }
  const seen = new Set<string>();
  for (const item of items) {
    const broken = seen.has(item) ? duplicate : rule(item);
    if (broken) problems.push(`${found.origin}=${shown(found.value)}: ${broken} (${shown(item)})`);
    seen.add(item);
  }
  return [...seen];
}

/**
 * The policies grant every state user `<prefix>/*\/terraform.tfstate` and deny the keys one folder deeper than
 * each grant pattern, in every workspace (IAM's `*` spans "/"): no deny may reach a key of the project (checked
 * on one sample workspace "w" of each key). A key inside `<prefix>/` itself is refused before, by checkFoldersApart.
 */
function checkKeysBesideEnvironments(prefix: string, environments: readonly string[], [keyOrigin, key]: [string, string], problems: string[]): void {
  const granted = environmentStateKey(prefix, '*');
  const ownKeys = inEveryWorkspace([key, ...environments.map((name) => environmentStateKey(prefix, name))]).map((pattern) => pattern.replace('*', 'w'));
  for (const denied of deniedDeeperKeys([key, granted])) {
    const reached = ownKeys.find((own) => iamPatternMatches(denied, own));
    if (reached !== undefined) {
      problems.push(
        `${keyOrigin}=${shown(key)}: the policies deny ${denied} (keys deeper than a workspace or environment pattern, since IAM's * also matches "/"), which reaches ${reached}, a key of this project; pick a key in a folder of its own outside ${prefix}/`,
      );
      return;
    }
  }
}

function checkKeysDistinct(keys: readonly [origin: string, key: string][], problems: string[]): void {
  const owner = new Map<string, string>();
  for (const [origin, key] of keys) {
    const first = owner.get(key);
    if (first) problems.push(`${origin}=${shown(key)}: is already the state key of ${first}; two stacks must not share a state object`);
    else owner.set(key, origin);
  }
}
