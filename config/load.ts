import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { ConfigError, cut, printable } from '../errors';
import { deniedDeeperKeys, iamPatternMatches, inEveryWorkspace } from '../iam/key-patterns';
import { environmentStateKey } from './naming';
import { type ParseContext, shown } from './parsers';
import { bucketNameRule, environmentNameRule, inFolder, templateRule } from './rules';
import {
  CONFIG_FILE,
  CONFIG_FILE_ENV,
  Derived,
  ENV_PREFIX,
  type LoadedSettings,
  MIN_SAFE_NONCURRENT_DAYS,
  OPERATIONAL_ENV,
  SETTING_NAMES,
  SETTINGS,
  type Setting,
  type SettingName,
  type SettingValues,
} from './settings';
import type { AcceptedRisk, BackendConfig, ReplicaConfig, ShapingOnly } from './types';

export interface LoadOptions {
  /** Environment to read; defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Project root (where cdktf.json and the config file live); defaults to the working directory. */
  readonly cwd?: string;
  /** cdktf.json's projectId; read from cdktf.json in cwd when omitted. */
  readonly projectId?: string;
}

type FileValues = Record<string, unknown>;
type ConfigFile = { label: string; values: FileValues };

/** A raw value and the words that tell the user where it came from. */
interface Raw {
  readonly value: unknown;
  readonly origin: string;
}

/**
 * Reads environment, config file and defaults (highest first), validates every setting against AWS's and
 * Terraform's rules, and returns a frozen config. Throws ConfigError listing every problem at once: the file's
 * and unknown names first, then each setting's in the order of the settings table, then the checks across
 * settings.
 */
export function loadConfig(options: LoadOptions = {}): BackendConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const problems: string[] = [];

  const read = readConfigFile(env, cwd, problems);
  checkUnknownNames(env, read, problems);
  const file = withoutUntrusted(read, problems);

  const settings = new SettingsLoader(env, file, cwd, options.projectId);
  for (const name of SETTING_NAMES) settings.get(name);
  problems.push(...settings.problems());
  const get = <N extends SettingName>(name: N) => settings.get(name);
  const origin = (name: SettingName) => settings.given(name)?.origin ?? SETTINGS[name].env;

  const acceptedRisks = get('acceptedRisks');
  const accepts = (risk: AcceptedRisk) => acceptedRisks.includes(risk);
  const noncurrentVersionDays = get('noncurrentVersionDays');
  if (noncurrentVersionDays < MIN_SAFE_NONCURRENT_DAYS && !accepts('short-retention')) {
    problems.push(
      `${origin('noncurrentVersionDays')}=${shown(settings.given('noncurrentVersionDays')?.value)}: keeps old state versions less than ${MIN_SAFE_NONCURRENT_DAYS} days; set ${SETTINGS.acceptedRisks.env}=short-retention to accept that`,
    );
  }
  const accessLogging = get('accessLogging');
  if (!accessLogging && !accepts('no-access-logging')) {
    problems.push(
      `${origin('accessLogging')}=${shown(settings.given('accessLogging')?.value)}: turns off access logging of the state bucket; set ${SETTINGS.acceptedRisks.env}=no-access-logging to accept that`,
    );
  }
  // Logs kept a day are access logging off a day later: the same weakening, so accepted the same way (never by the file).
  const accessLogDays = get('accessLogDays');
  if (accessLogging && accessLogDays < MIN_SAFE_NONCURRENT_DAYS && !accepts('short-retention')) {
    problems.push(
      `${origin('accessLogDays')}=${shown(settings.given('accessLogDays')?.value)}: keeps the state bucket's access logs less than ${MIN_SAFE_NONCURRENT_DAYS} days; set ${SETTINGS.acceptedRisks.env}=short-retention to accept that`,
    );
  }

  const region = get('region');
  const bucket = get('bucket');
  const replicaRegion = get('replicaRegion');
  let replica: ReplicaConfig | undefined;
  if (replicaRegion !== undefined) {
    if (replicaRegion === region)
      problems.push(
        `${origin('replicaRegion')}=${shown(replicaRegion)}: must differ from the state bucket's region (cross-region replication)`,
      );
    const replicaBucket = get('replicaBucket') as string;
    const replicaLogBucket = `${replicaBucket}-logs`;
    // Derived from the replica bucket, so checked only when that is valid: one mistake, one line.
    const broken = accessLogging && settings.valid('replicaBucket') ? bucketNameRule(replicaLogBucket) : undefined;
    if (broken)
      problems.push(
        `derived replica log bucket name (${SETTINGS.replicaBucket.env} + "-logs")=${shown(replicaLogBucket)}: ${broken}`,
      );
    replica = { region: replicaRegion, bucket: replicaBucket, logBucket: accessLogging ? replicaLogBucket : undefined };
  }
  const logBucket = accessLogging ? get('logBucket') : undefined;
  checkDistinct(
    [
      [origin('bucket'), bucket],
      ...(logBucket !== undefined ? [[origin('logBucket'), logBucket] as [string, string]] : []),
      ...(replica ? [[SETTINGS.replicaBucket.env, replica.bucket] as [string, string]] : []),
      ...(replica?.logBucket
        ? [[`replica log bucket (${SETTINGS.replicaBucket.env}-logs)`, replica.logBucket] as [string, string]]
        : []),
    ],
    (first) => `is already the bucket of ${first}; state, logs and replica need separate buckets`,
    problems,
  );

  const stateKey = get('stateKey');
  const bootstrapStateKey = get('bootstrapStateKey');
  const environments = get('environments');
  const environmentKeyPrefix = get('environmentKeyPrefix');
  const kopsPrefix = get('kopsPrefix');
  const ownKeys: [origin: string, key: string][] = [
    [origin('stateKey'), stateKey],
    [origin('bootstrapStateKey'), bootstrapStateKey],
  ];
  // A key in another party's folder is reported once, as that: it is also why it could collide with an environment's key.
  const misplaced = checkFoldersApart(
    {
      origin: origin('kopsPrefix'),
      folder: kopsPrefix,
      what: 'the kOps state store (kOps users may read and delete everything in it)',
    },
    { origin: origin('environmentKeyPrefix'), folder: environmentKeyPrefix, what: "the environments' state keys" },
    ownKeys,
    problems,
  );
  checkDistinct(
    // An environment's key lies in the environments' folder, where an own key is refused above: only own keys can meet.
    ownKeys.filter(([keyOrigin]) => !misplaced.has(keyOrigin)),
    (first) => `is already the state key of ${first}; two stacks must not share a state object`,
    problems,
  );
  // Derived from the keys and environments, so checked only when those are valid and not already reported.
  const derivedFromValid =
    environments.every((name) => environmentNameRule(name) === undefined) &&
    settings.valid('stateKey') &&
    settings.valid('bootstrapStateKey') &&
    settings.valid('environmentKeyPrefix') &&
    ownKeys.every(([keyOrigin]) => !misplaced.has(keyOrigin));
  if (derivedFromValid) {
    checkKeysBesideEnvironments(environmentKeyPrefix, environments, ownKeys[0], problems);
  }

  const crossAccountPrincipals = get('crossAccountPrincipals');
  const crossAccountReaders = get('crossAccountReaders');
  const kmsKeyArn = settings.given('kmsKeyArn');
  if (kmsKeyArn && (crossAccountPrincipals.length > 0 || crossAccountReaders.length > 0)) {
    const grants =
      crossAccountPrincipals.length > 0 ? SETTINGS.crossAccountPrincipals.env : SETTINGS.crossAccountReaders.env;
    problems.push(
      `${kmsKeyArn.origin}=${JSON.stringify(kmsKeyArn.value)}: the key policy of an existing key is not managed here, so it cannot grant ${grants}; add those grants to its key policy and drop one of the two settings`,
    );
  }

  // The principals come only from the environment, but what they are granted are the keys: a file choosing those
  // would choose which objects of the bucket (another project's state, in an adopted bucket) other accounts may use.
  if (crossAccountPrincipals.length > 0 || crossAccountReaders.length > 0) {
    const grantee =
      crossAccountPrincipals.length > 0 ? SETTINGS.crossAccountPrincipals.env : SETTINGS.crossAccountReaders.env;
    const granted: SettingName[] = [
      'stateKey',
      ...(environments.length > 0 ? (['environmentKeyPrefix'] as const) : []),
      ...(crossAccountPrincipals.length > 0 ? (['kopsPrefix'] as const) : []),
    ];
    for (const name of granted) {
      const given = settings.given(name);
      if (given !== undefined && given.origin !== SETTINGS[name].env) {
        problems.push(
          `${given.origin}=${shown(given.value)}: names objects that ${grantee} are granted, so with them it may come only from the environment (the file may come from a pull request); set ${SETTINGS[name].env}`,
        );
      }
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);

  // Every setting passes into the config as loaded, frozen, but those that only shape the fields set here.
  const values = Object.fromEntries(SETTING_NAMES.map((name) => [name, Object.freeze(get(name))]));
  for (const name of SHAPING_ONLY) delete values[name];
  return Object.freeze({
    ...(values as Omit<SettingValues, ShapingOnly>),
    projectId: settings.knownProjectId() ?? '',
    lockTable: get('locking') === 's3' ? undefined : get('lockTable'),
    logBucket,
    replica: replica ? Object.freeze(replica) : undefined,
    origins: settings.origins(),
  });
}

const SHAPING_ONLY: readonly ShapingOnly[] = [
  'lockTable',
  'logBucket',
  'accessLogging',
  'replicaRegion',
  'replicaBucket',
];

/** The file without the keys it may not hold (a setting's onlyFrom), each refused in one line. */
function withoutUntrusted(file: ConfigFile | undefined, problems: string[]): ConfigFile | undefined {
  if (!file) return undefined;
  const values = { ...file.values };
  for (const setting of Object.values(SETTINGS) as Setting<unknown>[]) {
    const trusted = setting.onlyFrom;
    const value = values[setting.file];
    if (!trusted || !Object.hasOwn(values, setting.file) || trusted.fileMayHold?.accepts(value)) continue;
    const key = trusted.fileMayHold ? `${setting.file}=${shown(value)}` : setting.file;
    const unless = trusted.fileMayHold ? `, or from the file as ${trusted.fileMayHold.describe}` : '';
    problems.push(
      `${file.label}: ${key}: may come only from the environment of whoever runs the command${unless} (${trusted.because}); the file may come from a pull request. ${trusted.instead}`,
    );
    delete values[setting.file];
  }
  return { label: file.label, values };
}

/**
 * Loads each setting of the table on first use: its value from the environment, the file, its fallback
 * variables or its default, read by its parser and checked by its rule. Rules and derived defaults read other
 * settings through it, so the order of the table is free. Problems are kept per setting.
 */
class SettingsLoader implements LoadedSettings {
  private readonly values = new Map<SettingName, unknown>();
  private readonly accepted = new Map<SettingName, Raw>();
  private readonly problemsBySetting = new Map<SettingName, string[]>(SETTING_NAMES.map((name) => [name, []]));
  /** The settings being loaded, innermost last: a problem found on the way belongs to the innermost. */
  private readonly loading: SettingName[] = [];
  private readProjectIdOnce: { id: string | undefined } | undefined;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly file: ConfigFile | undefined,
    private readonly cwd: string,
    private readonly givenProjectId: string | undefined,
  ) {}

  get<N extends SettingName>(name: N): SettingValues[N] {
    if (!this.values.has(name)) {
      this.loading.push(name);
      this.values.set(name, this.load(name, SETTINGS[name] as Setting<unknown>));
      this.loading.pop();
    }
    return this.values.get(name) as SettingValues[N];
  }

  valid(name: SettingName): boolean {
    return (SETTINGS[name] as Setting<unknown>).parse.rule?.(this.get(name), this) === undefined;
  }

  /** The given value a loaded setting took, and where it came from; undefined when it took its default. */
  given(name: SettingName): Raw | undefined {
    return this.accepted.get(name);
  }

  projectId(): string | undefined {
    if (this.givenProjectId !== undefined) return this.givenProjectId;
    this.readProjectIdOnce ??= { id: readProjectId(this.cwd, this.problemsOf(this.loading[this.loading.length - 1])) };
    return this.readProjectIdOnce.id;
  }

  /** Where each given value came from (a variable, or the file's key), frozen. */
  origins(): Readonly<Partial<Record<SettingName, string>>> {
    return Object.freeze(Object.fromEntries([...this.accepted].map(([name, raw]) => [name, raw.origin])));
  }

  /** The projectId if it was given or had to be read, without reading it. */
  knownProjectId(): string | undefined {
    return this.givenProjectId ?? this.readProjectIdOnce?.id;
  }

  /** Every problem, setting by setting in the order of the table. */
  problems(): string[] {
    return SETTING_NAMES.flatMap((name) => this.problemsOf(name));
  }

  private problemsOf(name: SettingName): string[] {
    return this.problemsBySetting.get(name) as string[];
  }

  private load(name: SettingName, setting: Setting<unknown>): unknown {
    const problems = this.problemsOf(name);
    if (setting.onlyWith && this.get(setting.onlyWith as SettingName) === undefined) {
      const companion: Setting<unknown> = SETTINGS[setting.onlyWith as SettingName];
      const alone = this.source(setting);
      // Given without its companion it would do nothing, silently: most often the companion's name has a typo.
      // A companion given and refused is that setting's one problem, not this one's.
      if (alone && this.source(companion) === undefined)
        problems.push(
          `${alone.origin}=${shown(alone.value)}: takes effect only with ${companion.env} set; set that too, or remove this setting`,
        );
      return undefined;
    }
    const found = this.source(setting);
    if (found) {
      const context: ParseContext<LoadedSettings> = {
        settings: this,
        fail: (rule) => problems.push(`${found.origin}=${shown(found.value)}: ${rule}`),
      };
      // Every setting, whatever its own rule: a template sequence is refused before the value is used anywhere,
      // so a setting added later cannot forget it. A refused value counts as unset (one mistake, one line).
      const template = stringsIn(found.value)
        .map(templateRule)
        .find((rule) => rule !== undefined);
      const value = template ? void context.fail(template) : setting.parse.read(found.value, context);
      if (value !== undefined) {
        this.accepted.set(name, found);
        return value;
      }
    }
    for (const fallback of setting.fallbackEnv ?? []) {
      const value = this.env[fallback];
      if (value) {
        const broken = setting.parse.rule?.(value, this);
        if (broken) problems.push(`${fallback}=${shown(value)}: ${broken}`);
        return value;
      }
    }
    if (!(setting.default instanceof Derived)) return setting.default;
    const derived = setting.default as Derived<unknown>;
    const value = derived.derive(this);
    const broken = derived.checked(this) ? setting.parse.rule?.(value, this) : undefined;
    if (broken) problems.push(`${derived.label}=${shown(value)}: ${broken}`);
    return value;
  }

  /** The environment variable, else the file's key, else undefined. */
  private source(setting: Setting<unknown>): Raw | undefined {
    const fromEnv = this.env[setting.env];
    if (fromEnv !== undefined && !(setting.emptyEnvIsUnset && fromEnv === ''))
      return { value: fromEnv, origin: setting.env };
    if (this.file && Object.hasOwn(this.file.values, setting.file))
      return { value: this.file.values[setting.file], origin: `${this.file.label}: ${setting.file}` };
    return undefined;
  }
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
function checkFoldersApart(
  kops: Folder,
  environments: Folder,
  keys: readonly [origin: string, key: string][],
  problems: string[],
): Set<string> {
  const misplaced = new Set<string>();
  if (inFolder(kops.folder, environments.folder) || inFolder(environments.folder, kops.folder)) {
    problems.push(
      `${kops.origin}=${shown(kops.folder)}: overlaps ${environments.origin}=${shown(environments.folder)}; the kOps state store and the environments' keys need separate folders`,
    );
  }
  for (const folder of [kops, environments]) {
    for (const [origin, key] of keys) {
      if (inFolder(key, folder.folder) && !misplaced.has(origin)) {
        problems.push(
          `${origin}=${shown(key)}: lies in folder "${folder.folder}" (${folder.origin}), ${folder.what}; choose a key outside it`,
        );
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
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).flatMap(([key, item]) => (typeof item === 'string' ? [key, item] : [key]));
  return [];
}

/** Each value once: a second one is reported with `clash(first's origin)`. */
function checkDistinct(
  values: readonly [origin: string, value: string][],
  clash: (first: string) => string,
  problems: string[],
): void {
  const owner = new Map<string, string>();
  for (const [origin, value] of values) {
    const first = owner.get(value);
    if (first) problems.push(`${origin}=${shown(value)}: ${clash(first)}`);
    else owner.set(value, origin);
  }
}

function readConfigFile(env: NodeJS.ProcessEnv, cwd: string, problems: string[]): ConfigFile | undefined {
  const explicit = env[CONFIG_FILE_ENV];
  const path = explicit ? (isAbsolute(explicit) ? explicit : join(cwd, explicit)) : join(cwd, CONFIG_FILE);
  const label = explicit ? cut(explicit, 200) : CONFIG_FILE;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT')
      problems.push(
        code === 'EISDIR'
          ? `${label}: is a directory; the settings file must be a JSON file`
          : `${label}: cannot be read (${code})`,
      );
    else if (explicit) problems.push(`${CONFIG_FILE_ENV}=${shown(explicit)}: file does not exist`);
    return undefined;
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    problems.push(`${label}: is not valid UTF-8`);
    return undefined;
  }
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
    problems.push(
      `${label}: the key ${shown(duplicate, 60)} appears twice in one object; JSON.parse would silently keep the last one, so a reader of the file could believe the other`,
    );
    return undefined;
  }
  return { label, values: parsed as FileValues };
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
      while (' \t\n\r'.includes(text[next])) next += 1;
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

/** At most this many unknown names are listed one by one; the rest are counted. */
const MAX_UNKNOWN_LISTED = 5;

function checkUnknownNames(env: NodeJS.ProcessEnv, file: ConfigFile | undefined, problems: string[]): void {
  const specs = Object.values(SETTINGS);
  const knownEnv = new Set<string>([...specs.map((s) => s.env), ...OPERATIONAL_ENV]);
  const report = (where: string, unknown: string[], known: string) => {
    for (const name of unknown.slice(0, MAX_UNKNOWN_LISTED))
      problems.push(`${where}${printable(cut(name, 60))}: unknown setting (known: ${known})`);
    if (unknown.length > MAX_UNKNOWN_LISTED)
      problems.push(`${where}${unknown.length - MAX_UNKNOWN_LISTED} more unknown settings`);
  };
  report(
    '',
    Object.keys(env).filter((name) => name.startsWith(ENV_PREFIX) && !knownEnv.has(name)),
    specs
      .map((s) => s.env)
      .filter((e) => e.startsWith(ENV_PREFIX))
      .join(', '),
  );
  if (!file) return;
  const knownKeys = new Set<string>(specs.map((s) => s.file));
  report(
    `${file.label}: `,
    Object.keys(file.values).filter((key) => !knownKeys.has(key)),
    [...knownKeys].join(', '),
  );
}

function readProjectId(cwd: string, problems: string[]): string | undefined {
  try {
    const cdktf = JSON.parse(readFileSync(join(cwd, 'cdktf.json'), 'utf8')) as { projectId?: unknown };
    if (typeof cdktf.projectId === 'string' && /^[0-9a-f-]{12,}$/i.test(cdktf.projectId)) return cdktf.projectId;
    problems.push(
      `cdktf.json: projectId is missing or not a UUID, so no default bucket name can be derived (set ${SETTINGS.bucket.env})`,
    );
  } catch {
    problems.push(
      `cdktf.json: not readable in ${cwd}, so no default bucket name can be derived (set ${SETTINGS.bucket.env})`,
    );
  }
  return undefined;
}

/**
 * The policies grant every state user `<prefix>/*\/terraform.tfstate` and deny the keys one folder deeper than
 * each grant pattern, in every workspace (IAM's `*` spans "/"): no deny may reach a key of the project (checked
 * on one sample workspace "w" of each key, and on a sample environment "w" too, since every environment is granted
 * from the first deploy). A key inside `<prefix>/` itself is refused before, by checkFoldersApart.
 */
function checkKeysBesideEnvironments(
  prefix: string,
  environments: readonly string[],
  [keyOrigin, key]: [string, string],
  problems: string[],
): void {
  const granted = environmentStateKey(prefix, '*');
  const ownKeys = inEveryWorkspace([
    key,
    ...environments.map((name) => environmentStateKey(prefix, name)),
    granted,
  ]).map((pattern) => pattern.replace(/\*/g, 'w'));
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
