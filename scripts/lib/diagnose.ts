// Readers of cdktf/terraform output: turn what Terraform printed into facts a command can act on and a user
// can read in one line (explainFailure also names the endpoint and mirror folders from the environment).
import { SETTINGS } from '../../config/settings';
import type { RunResult } from './run';
import { AWS_PROVIDER_PATH, mirrorCandidates } from './terraform-config';

/** The holder of a state lock, as Terraform prints it under "Lock Info:". */
export interface PrintedLockInfo {
  readonly id?: string;
  readonly path?: string;
  readonly operation?: string;
  readonly who?: string;
  readonly created?: string;
  /** A local state file's lock (the OS refused it: EAGAIN), which ends with the process that holds it. */
  readonly fileLock: boolean;
}

/** The lock holder when the output says Terraform could not take the state lock, else undefined. */
export function lockHeld(output: string): PrintedLockInfo | undefined {
  if (!/Error acquiring the state lock/.test(output)) return undefined;
  const field = (name: string) => output.match(new RegExp(`^[\\s│]*${name}:[ \\t]+(.+?)\\s*$`, 'm'))?.[1];
  return {
    id: field('ID'),
    path: field('Path'),
    operation: field('Operation'),
    who: field('Who'),
    created: field('Created'),
    fileLock: /Error message: resource temporarily unavailable/.test(output),
  };
}

/**
 * The bucket named in an S3 "no such bucket" failure (the backend's `S3 bucket "x" does not exist`, or the
 * API's NoSuchBucket), else undefined. `fallback` names the bucket when the message does not.
 */
export function missingBucket(output: string, fallback: string): string | undefined {
  const named = output.match(/S3 bucket "([^"]+)" does not exist/);
  if (named) return named[1];
  return /\bNoSuchBucket\b/.test(output) ? fallback : undefined;
}

/** True when a cdktf deploy/plan of one stack reports that nothing would change. */
export function reportsNoChanges(output: string): boolean {
  return /No changes\. Your infrastructure matches the configuration\./.test(output);
}

/**
 * The stacks whose Terraform run reported its own completion in cdktf's output ("Apply complete!" or
 * "Destroy complete!"). cdktf prefixes a stack's lines with its name and indents continuation lines, so a
 * line belongs to the stack named last.
 */
export function completedStacks(output: string, stacks: readonly string[], verb: 'deploy' | 'destroy'): Set<string> {
  const done = new Set<string>();
  const marker = verb === 'deploy' ? 'Apply complete!' : 'Destroy complete!';
  let current: string | undefined;
  for (const line of output.split('\n')) {
    const prefix = /^(\S+)\s/.exec(line)?.[1];
    if (prefix !== undefined && stacks.includes(prefix)) current = prefix;
    if (current !== undefined && line.includes(marker)) done.add(current);
  }
  return done;
}

/** The last Terraform "Error: ..." summary line, for a one-line failure message. */
export function firstError(output: string): string | undefined {
  return output.match(/Error: (.+)/)?.[1]?.trim();
}

/**
 * Why TFSTATE_ADOPT was refused, one line per reason: each refusal Terraform printed from the project's checks
 * (its lines joined where Terraform wrapped them), and a missing bucket, which Terraform reports as a failed read.
 */
export function adoptRefusals(output: string, bucket: string, region: string, prefix: string): string[] {
  const refusals = new Set<string>();
  for (let at = output.indexOf(prefix); at >= 0; at = output.indexOf(prefix, at + prefix.length)) {
    // Terraform wraps long messages: the message goes on until an empty line (or the end of a "│" box).
    const message: string[] = [];
    for (const line of output.slice(at).split('\n')) {
      const text = line.replace(/^[\s│]*/, '').trimEnd();
      if (text === '' || text.startsWith('╵')) break;
      message.push(text);
    }
    refusals.add(message.join(' '));
  }
  const escaped = bucket.replace(/\./g, '\\.');
  const bucketImport =
    /Cannot import non-existent remote object\s+While attempting to import an existing object to\s+"aws_s3_bucket\./;
  if (
    new RegExp(`reading S3 Bucket \\(${escaped}\\)`).test(output) ||
    bucketImport.test(output) ||
    /\bNoSuchBucket\b/.test(output)
  ) {
    refusals.add(
      `${prefix} bucket "${bucket}" does not exist in ${region}; name the existing one (TFSTATE_BUCKET, TFSTATE_REGION), or unset TFSTATE_ADOPT to create it`,
    );
  }
  return [...refusals];
}

/** What each of the project's protected resources is, by its logical id without cdktf's hash suffix. */
const PROTECTED: Record<string, string> = {
  'aws_s3_bucket.state-bucket': 'the state bucket',
  'aws_s3_bucket.log-bucket': 'the log bucket',
  'aws_dynamodb_table.lock-table': 'the lock table',
  'aws_kms_key.state-key': "the state's KMS key",
  'aws_kms_alias.state-key_alias': "the state's KMS alias",
  'aws_s3_bucket.replication_replica-bucket': 'the replica bucket',
  'aws_s3_bucket.replication_replica-log-bucket': "the replica's log bucket",
  'aws_kms_key.replication_replica-key': "the replica's KMS key",
  'aws_kms_alias.replication_replica-key_alias': "the replica's KMS alias",
};

/**
 * Why Terraform refused a plan with "Instance cannot be destroyed" (lifecycle.prevent_destroy), in one line:
 * each resource by what it is and the id it has now (from the plan's "must be replaced" or "will be
 * destroyed" block), and the ways out; undefined when the output has no such refusal.
 */
export function protectedFromDestroy(output: string): string | undefined {
  const addresses = [
    ...new Set(
      [...output.matchAll(/Resource (\S+)(?:[\s│]+\([^)]*\))?[\s│]+has[\s│]+lifecycle\.prevent_destroy/g)].map(
        (match) => match[1],
      ),
    ),
  ];
  if (addresses.length === 0) return undefined;
  const named = addresses.map((address) => {
    const escaped = address.replace(/[.[\]]/g, '\\$&');
    const id = output.match(
      new RegExp(
        `# ${escaped}(?: \\([^)\\n]*\\))? (?:must be replaced|will be destroyed)\\n[\\s\\S]*?[~-] id +=\\s+"([^"]+)"`,
      ),
    )?.[1];
    const what = PROTECTED[address.replace(/_[0-9A-F]{8}$/, '')];
    const idText = id === undefined ? '' : ` "${id}"`;
    return what ? `${what}${idText} (${address})` : `${address}${idText}`;
  });
  const them = addresses.length > 1 ? 'them' : 'it';
  // A state bucket cannot be renamed in place: the states it holds move to the new one first.
  const move = addresses.some((address) => address.startsWith('aws_s3_bucket.'))
    ? ' (to leave a bucket for a new one, move each state first: npm run state -- move <key> <key> --to-bucket <new>)'
    : '';
  return `this change would destroy ${named.length > 1 ? `${named.slice(0, -1).join(', ')} and ` : ''}${named[named.length - 1]}, protected by prevent_destroy: to keep ${them}, restore the setting that named ${them}${move}; to remove the whole backend, npm run teardown`;
}

/** The one line for a run that needs the state bucket before bootstrap created it. */
export function missingBucketLine(what: string, bucket: string): string {
  return `${what}: state bucket "${bucket}" does not exist: deploy the bootstrap stack first (cdktf deploy bootstrap, or npm run local against the emulator)`;
}

/** One line on why a cdktf/terraform run failed. */
export function explainFailure(what: string, result: RunResult, bucket: string): string {
  if (result.timedOut) return `${what}: timed out after ${Math.round(result.seconds)} s`;
  if (result.stalled)
    return `${what}: stopped after ${Math.round(result.seconds)} s: Terraform printed nothing for too long, so it was waiting on something that does not answer (an AWS endpoint${process.env[SETTINGS.endpoint.env] ? ` such as ${process.env[SETTINGS.endpoint.env]}` : ''})`;
  const missing = missingBucket(result.output, bucket);
  if (missing) return missingBucketLine(what, missing);
  const lock = lockHeld(result.output);
  if (lock) {
    const holder = `${what}: the state is locked by ${lock.who ?? 'another process'} (${lock.operation ?? 'unknown operation'}, lock ID ${lock.id ?? '?'}, since ${lock.created ?? '?'})`;
    return lock.fileLock
      ? `${holder}: a lock on the local state file ${lock.path ?? '?'}, which the operating system releases when that process exits; wait for that run to end, there is nothing to unlock by hand`
      : `${holder}; wait for it, or terraform force-unlock <ID> if that run is dead`;
  }
  const kept = protectedFromDestroy(result.output);
  if (kept) return `${what}: ${kept}`;
  if (
    /Failed to query available provider packages|could not connect to registry|Failed to install provider/.test(
      result.output,
    )
  ) {
    return `${what}: the AWS provider could not be installed: no provider mirror found (searched ${mirrorCandidates().join(', ')}) and the registry is unreachable; set TFSTATE_PROVIDER_MIRROR to a folder holding ${AWS_PROVIDER_PATH}`;
  }
  return `${what}: failed (exit ${result.code}): ${firstError(result.output) ?? 'see the output above'}`;
}
