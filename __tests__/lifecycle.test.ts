// Moto stores lifecycle rules but never runs them, so what they would delete is checked here, on the
// synthesized rules, with a model of how S3 applies them (S3 User Guide, "Lifecycle configuration elements").
import { resourceOf, synthAll } from './helpers';

interface Filter {
  readonly prefix?: string;
  readonly object_size_greater_than?: number;
  readonly object_size_less_than?: number;
  readonly tag?: unknown;
  readonly and?: {
    readonly prefix?: string;
    readonly object_size_greater_than?: number;
    readonly object_size_less_than?: number;
    readonly tags?: Record<string, string>;
  }[];
}

interface Rule {
  readonly id: string;
  readonly status: string;
  readonly prefix?: string;
  readonly filter?: Filter[];
  readonly expiration?: {
    readonly days?: number;
    readonly date?: string;
    readonly expired_object_delete_marker?: boolean;
  }[];
  readonly noncurrent_version_expiration?: {
    readonly noncurrent_days?: number;
    readonly newer_noncurrent_versions?: number;
  }[];
}

/** One version or delete marker of an object, as a lifecycle rule sees it (objects carry no tags here). */
interface Version {
  readonly key: string;
  readonly size: number;
  readonly deleteMarker: boolean;
  readonly current: boolean;
  /** Days since the object was written (current) or since it became noncurrent. */
  readonly days: number;
  /** Noncurrent versions newer than this one. */
  readonly newerNoncurrent?: number;
  /** For a current delete marker: whether any version of the key is left behind it. */
  readonly versionsBehind?: boolean;
}

function matches(rule: Rule, version: Version): boolean {
  if (rule.status !== 'Enabled') return false;
  const filter = rule.filter?.[0] ?? {};
  const conditions = filter.and?.[0] ?? filter;
  if ('tag' in filter || (filter.and?.[0]?.tags && Object.keys(filter.and[0].tags).length > 0)) return false;
  const prefix = conditions.prefix ?? rule.prefix ?? '';
  if (!version.key.startsWith(prefix)) return false;
  if (conditions.object_size_greater_than !== undefined && !(version.size > conditions.object_size_greater_than))
    return false;
  if (conditions.object_size_less_than !== undefined && !(version.size < conditions.object_size_less_than))
    return false;
  return true;
}

/** Whether any rule makes S3 remove (or, for a current object, expire) this version. */
function expires(rules: readonly Rule[], version: Version): boolean {
  return rules.some((rule) => {
    if (!matches(rule, version)) return false;
    const expiration = rule.expiration?.[0];
    const noncurrent = rule.noncurrent_version_expiration?.[0];
    if (version.current && version.deleteMarker)
      return expiration?.expired_object_delete_marker === true && version.versionsBehind === false;
    if (version.current)
      return expiration?.date !== undefined || (expiration?.days !== undefined && version.days >= expiration.days);
    if (noncurrent?.noncurrent_days === undefined || version.days < noncurrent.noncurrent_days) return false;
    return (
      noncurrent.newer_noncurrent_versions === undefined ||
      (version.newerNoncurrent ?? 0) >= noncurrent.newer_noncurrent_versions
    );
  });
}

const STATE_KEYS = [
  'app/terraform.tfstate',
  'env:/dev/app/terraform.tfstate',
  'env/prod/terraform.tfstate',
  'bootstrap/terraform.tfstate',
  'kops/cluster/config',
];
// From an empty state (about 150 bytes, as small as a lockfile) to a large one.
const SIZES = [0, 150, 400, 5_000, 50_000_000];

describe.each([
  ['the default retention', {}, 90],
  ['TFSTATE_NONCURRENT_DAYS=30', { TFSTATE_NONCURRENT_DAYS: '30' }, 30],
])('state bucket lifecycle rules (%s)', (_name, env, days) => {
  // Synthesized in each test (not here), so each test reaches the construct code it checks.
  const synthRules = () =>
    resourceOf(synthAll(env).bootstrap, 'aws_s3_bucket_lifecycle_configuration', 'state-bucket_lifecycle')
      .rule as Rule[];

  test('a .tflock version left noncurrent by an unlock expires after the retention days', () => {
    const rules = synthRules();
    const litter = {
      key: 'app/terraform.tfstate.tflock',
      size: 250,
      deleteMarker: false,
      current: false,
      newerNoncurrent: 500,
    };
    expect(expires(rules, { ...litter, days: days - 1 })).toBe(false);
    expect(expires(rules, { ...litter, days })).toBe(true);
  });

  test('a delete marker with nothing left behind it (lockfile or state) is removed', () => {
    const rules = synthRules();
    for (const key of ['app/terraform.tfstate.tflock', 'app/terraform.tfstate']) {
      expect(expires(rules, { key, size: 0, deleteMarker: true, current: true, days: 1, versionsBehind: false })).toBe(
        true,
      );
    }
  });

  test('a delete marker with history behind it stays, so a deleted state remains restorable', () => {
    const rules = synthRules();
    expect(
      expires(rules, {
        key: 'app/terraform.tfstate',
        size: 0,
        deleteMarker: true,
        current: true,
        days: 10_000,
        versionsBehind: true,
      }),
    ).toBe(false);
  });

  test('no rule ever expires a current state version, whatever its key, size or age', () => {
    const rules = synthRules();
    for (const key of STATE_KEYS) {
      for (const size of SIZES) {
        for (const age of [0, 1, days, 36_500])
          expect(expires(rules, { key, size, deleteMarker: false, current: true, days: age })).toBe(false);
      }
    }
  });

  test('no rule expires a noncurrent state version before the configured days, however many newer ones exist', () => {
    const rules = synthRules();
    for (const key of STATE_KEYS) {
      for (const size of SIZES) {
        for (const newerNoncurrent of [0, 1, 100, 10_000]) {
          expect(
            expires(rules, { key, size, deleteMarker: false, current: false, days: days - 1, newerNoncurrent }),
          ).toBe(false);
          expect(expires(rules, { key, size, deleteMarker: false, current: false, days, newerNoncurrent })).toBe(true);
        }
      }
    }
  });
});
