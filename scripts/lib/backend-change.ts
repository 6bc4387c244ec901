// Deploy's step before cdktf runs: Terraform checks a stack's recorded backend before its bucket, so a changed
// backend hid a missing bucket, and after `npm run state -- move` the new key stopped at "Backend configuration
// changed" with no state left to migrate.

import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { projectStacks } from '../../config/naming';
import type { BackendConfig } from '../../config/types';
import { UserError } from '../../errors';
import { bucketExists, isMissing } from '../../ops/bucket';
import { missingBucketLine } from './diagnose';
import { stackDir } from './project';
import { progress } from './shell';

/** What deploy does about a stack initialized with another state object than the config names now. */
export type MovedStateStep = 'reconfigure' | 'refuse' | 'terraform';

/**
 * Only the new object holding state is a finished `state move`: the backend is initialized anew (nothing to
 * migrate). Only the old one holding state is a key changed without a move: refused. Both or neither holding
 * state is Terraform's to decide.
 */
export function movedStateStep(oldHasState: boolean, newHasState: boolean): MovedStateStep {
  if (oldHasState === newHasState) return 'terraform';
  return newHasState ? 'reconfigure' : 'refuse';
}

/** Where Terraform records the backend a stack's folder was initialized with. */
function recordPath(dir: string): string {
  return join(dir, '.terraform', 'terraform.tfstate');
}

/** The state object a stack's folder was initialized with, or undefined when it never was. */
export function recordedStateObject(dir: string): { bucket: string; key: string } | undefined {
  let text: string;
  try {
    text = readFileSync(recordPath(dir), 'utf8');
  } catch {
    return undefined;
  }
  let record: { backend?: { config?: { bucket?: unknown; key?: unknown } } } | null;
  try {
    record = JSON.parse(text) as typeof record;
  } catch {
    // A kill while terraform init wrote it; init writes it anew, so removing it loses nothing.
    throw new UserError(
      `${recordPath(dir)} is not JSON (terraform init was interrupted while writing it?): delete it, the next deploy initializes the backend anew`,
    );
  }
  const config = record?.backend?.config;
  return typeof config?.bucket === 'string' && typeof config.key === 'string'
    ? { bucket: config.bucket, key: config.key }
    : undefined;
}

/** Whether `key` has a current version (a delete marker or no object at all is no state). */
export async function hasState(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

/**
 * Before `cdktf deploy <stacks>`: a missing state bucket is reported first, then each app stack initialized with
 * another state object than the config names is initialized anew or refused (movedStateStep). A deploy of
 * bootstrap (which creates the bucket) and one with --migrate-state (Terraform copies the state) are left to
 * Terraform.
 */
export async function prepareBackends(
  projectDir: string,
  config: BackendConfig,
  stacks: readonly string[],
  flags: readonly string[],
  s3: S3Client,
): Promise<void> {
  if (stacks.includes('bootstrap') || flags.includes('--migrate-state')) return;
  if (!(await bucketExists(s3, config.bucket)))
    throw new UserError(missingBucketLine(`cdktf deploy ${stacks.join(' ')}`, config.bucket));
  for (const stack of projectStacks(config).filter((candidate) => stacks.includes(candidate.name))) {
    const dir = stackDir(projectDir, stack.name);
    const recorded = recordedStateObject(dir);
    if (recorded === undefined || (recorded.bucket === config.bucket && recorded.key === stack.stateKey)) continue;
    const from = `s3://${recorded.bucket}/${recorded.key}`;
    const to = `s3://${config.bucket}/${stack.stateKey}`;
    const step = movedStateStep(
      await hasState(s3, recorded.bucket, recorded.key),
      await hasState(s3, config.bucket, stack.stateKey),
    );
    if (step === 'refuse') {
      const move = `${recorded.bucket === config.bucket ? '' : `TFSTATE_BUCKET=${recorded.bucket} `}npm run state -- move ${recorded.key} ${stack.stateKey}${recorded.bucket === config.bucket ? '' : ` --to-bucket ${config.bucket}`}`;
      throw new UserError(
        `cdktf deploy ${stack.name}: its state is at ${from} and ${to}, which the config names now, holds none; move it first: ${move} (or deploy with --migrate-state)`,
      );
    }
    if (step === 'reconfigure') {
      rmSync(recordPath(dir));
      progress(`${stack.name}: its state has moved from ${from} to ${to}; its backend is initialized anew`);
    }
  }
}
