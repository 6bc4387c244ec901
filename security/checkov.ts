// checkov results -> pass/fail, against the checked-in skip list. Pure, so the gate itself is unit tested.
import skipsJson from './checkov-skips.json';

/** One accepted checkov finding: a check on some resources (construct path prefixes), in some or all scan variants. */
export interface CheckovSkip {
  readonly check: string;
  /** Logical resource names as cdktf writes them, without the hash: `log-bucket` matches `log-bucket_38F5EEF0`. */
  readonly resources: readonly string[];
  /** Scan variants the skip applies in. @default all */
  readonly variants?: readonly string[];
  /** One line a security reviewer would accept. */
  readonly reason: string;
}

export const CHECKOV_SKIPS: readonly CheckovSkip[] = skipsJson as CheckovSkip[];

/** Config variants the scan synthesizes; each is a set of settings on top of the project's config. */
export const SCAN_VARIANTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  default: {},
  'locking-dynamodb': { TFSTATE_LOCKING: 'dynamodb' },
  'locking-s3': { TFSTATE_LOCKING: 's3' },
  'locking-both': { TFSTATE_LOCKING: 'both' },
  replication: { TFSTATE_REPLICA_REGION: 'us-west-2' },
};

/** A check result as checkov's JSON output reports it (the fields used here). */
export interface CheckResult {
  readonly check_id: string;
  readonly check_name?: string;
  /** `aws_s3_bucket.log-bucket_38F5EEF0` (graph checks) or `resource.log-bucket_38F5EEF0`. */
  readonly resource: string;
  readonly file_path: string;
}

export interface CheckovReport {
  readonly results: {
    readonly passed_checks?: readonly CheckResult[];
    readonly failed_checks?: readonly CheckResult[];
  };
}

export interface StackCounts {
  passed: number;
  failed: number;
  skipped: number;
}

export interface Classified {
  /** Counts per stack (`bootstrap`, `app`, ...). */
  readonly stacks: Record<string, StackCounts>;
  /** Failures no skip covers: each fails the gate. */
  readonly unexpected: readonly CheckResult[];
  /** Indexes into the skip list of the skips that matched something. */
  readonly usedSkips: ReadonlySet<number>;
}

/** Stack name from a synthesized file path: .../stacks/<stack>/cdk.tf.json. */
export function stackOf(filePath: string): string {
  return /stacks\/([^/]+)\/cdk\.tf\.json$/.exec(filePath)?.[1] ?? filePath;
}

/** The skip that covers a failed check in a variant, if any. */
export function matchingSkip(
  result: CheckResult,
  variant: string,
  skips: readonly CheckovSkip[] = CHECKOV_SKIPS,
): number | undefined {
  const name = result.resource.slice(result.resource.lastIndexOf('.') + 1);
  const index = skips.findIndex(
    (skip) =>
      skip.check === result.check_id &&
      (skip.variants === undefined || skip.variants.includes(variant)) &&
      skip.resources.some(
        (prefix) =>
          name === prefix || new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_[0-9A-F]{8}$`).test(name),
      ),
  );
  return index < 0 ? undefined : index;
}

/** Splits one variant's report into counts per stack, skipped findings and unexpected ones. */
export function classify(
  report: CheckovReport,
  variant: string,
  skips: readonly CheckovSkip[] = CHECKOV_SKIPS,
): Classified {
  const stacks: Record<string, StackCounts> = {};
  const counts = (file: string) => (stacks[stackOf(file)] ??= { passed: 0, failed: 0, skipped: 0 });
  const unexpected: CheckResult[] = [];
  const usedSkips = new Set<number>();
  for (const passed of report.results.passed_checks ?? []) counts(passed.file_path).passed++;
  for (const failed of report.results.failed_checks ?? []) {
    const skip = matchingSkip(failed, variant, skips);
    if (skip === undefined) {
      counts(failed.file_path).failed++;
      unexpected.push(failed);
    } else {
      counts(failed.file_path).skipped++;
      usedSkips.add(skip);
    }
  }
  return { stacks, unexpected, usedSkips };
}

/** Problems with the skip list itself: each needs a check id, resources and a one-line reason. */
export function skipListProblems(skips: readonly CheckovSkip[] = CHECKOV_SKIPS): string[] {
  const problems: string[] = [];
  skips.forEach((skip, i) => {
    if (!/^CKV2?_[A-Z0-9]+_\d+$/.test(skip.check))
      problems.push(`skip ${i}: "${skip.check}" is not a checkov check id`);
    if (!Array.isArray(skip.resources) || skip.resources.length === 0)
      problems.push(`skip ${i} (${skip.check}): names no resources`);
    if (typeof skip.reason !== 'string' || skip.reason.trim().length < 20 || skip.reason.includes('\n')) {
      problems.push(`skip ${i} (${skip.check}): needs a one-line reason`);
    }
    for (const variant of skip.variants ?? []) {
      if (!(variant in SCAN_VARIANTS)) problems.push(`skip ${i} (${skip.check}): unknown variant "${variant}"`);
    }
  });
  return problems;
}
