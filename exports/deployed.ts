// What only the deployed bootstrap knows (the key's ARN, and so the account id), read from its state's
// outputs: the local state file, or the bootstrap state object when phase 3 moved it into the bucket.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { BOOTSTRAP_LOCAL_STATE } from '../config/naming';
import { accountIdRule, kmsKeyArnRule } from '../config/rules';
import { SETTINGS } from '../config/settings';
import type { BackendConfig } from '../config/types';
import { UserError } from '../errors';

export interface DeployedBackend {
  /** ARN of the state key (output kms_key_arn); undefined when bootstrap is not deployed. */
  readonly keyArn?: string;
}

/**
 * The outputs of a Terraform state file's text (`where` names it in errors). A state cut short by a crash, or a
 * key ARN that is not one key of `region` (a wildcard would reach every policy printed from it), is one line.
 */
export function deployedFromState(text: string, where: string, region: string): DeployedBackend {
  let state: { outputs?: Record<string, { value?: unknown }> } | null;
  try {
    state = JSON.parse(text) as typeof state;
  } catch (error) {
    throw new DeployedReadError(
      `${where}: is not a Terraform state (${(error as Error).message}); restore it from its .backup or redeploy bootstrap`,
    );
  }
  const keyArn = state?.outputs?.kms_key_arn?.value;
  if (typeof keyArn !== 'string' || keyArn === '') return {};
  const broken = kmsKeyArnRule(keyArn, region);
  if (broken)
    throw new DeployedReadError(`${where}: output kms_key_arn=${JSON.stringify(keyArn.slice(0, 200))}: ${broken}`);
  return { keyArn };
}

/** The account id in an ARN (`arn:<partition>:<service>:<region>:<account>:...`). */
export function accountOfArn(arn: string): string | undefined {
  return /^arn:[^:]+:[^:]+:[^:]*:(\d{12}):/.exec(arn)?.[1];
}

const READ_TIMEOUT_MS = 20_000;

/** The bootstrap state exists but cannot be read (credentials, network): one line for the user. */
export class DeployedReadError extends UserError {}

/**
 * Reads the bootstrap's outputs where its state lives; {} when it is not deployed. The bucket is read only as one
 * of `callerAccount` (S3's ExpectedBucketOwner): the file may name the bucket, and another account's object would
 * name that account's key, which --for-account settings then give consumers to encrypt their state with.
 */
export async function readDeployed(
  config: BackendConfig,
  projectRoot: string,
  s3: () => S3Client,
  callerAccount: () => Promise<string>,
): Promise<DeployedBackend> {
  if (config.bootstrapBackend === 'local') {
    const path = join(projectRoot, BOOTSTRAP_LOCAL_STATE);
    return existsSync(path) ? deployedFromState(readFileSync(path, 'utf8'), BOOTSTRAP_LOCAL_STATE, config.region) : {};
  }
  const where = `s3://${config.bucket}/${config.bootstrapStateKey}`;
  const failed = (error: unknown, as: string) => {
    const name = (error as Error).name;
    const why =
      name === 'AbortError' ? `no answer within ${READ_TIMEOUT_MS / 1000} s` : `${name}: ${(error as Error).message}`;
    return new DeployedReadError(`reading the bootstrap's outputs from ${where}${as}: ${why}`);
  };
  let owner: string;
  try {
    owner = await callerAccount();
    // An empty or malformed id would send no ExpectedBucketOwner at all, reading any account's bucket.
    if (accountIdRule(owner) !== undefined)
      throw Object.assign(new Error(`not an account id: ${JSON.stringify(owner.slice(0, 40))}`), { name: 'STS' });
  } catch (error) {
    throw failed(error, " (finding the caller's account)");
  }
  let text: string;
  try {
    // A frozen endpoint must not hang the command: one state object answers in well under this.
    const object = await s3().send(
      new GetObjectCommand({ Bucket: config.bucket, Key: config.bootstrapStateKey, ExpectedBucketOwner: owner }),
      { abortSignal: AbortSignal.timeout(READ_TIMEOUT_MS) },
    );
    text = await object.Body!.transformToString();
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'NoSuchKey' || name === 'NoSuchBucket') return {};
    throw failed(error, ` as a bucket of account ${owner} (the caller's)`);
  }
  const deployed = deployedFromState(text, where, config.region);
  // Also where ExpectedBucketOwner is not enforced (emulators): bootstrap's key is always of its own account.
  const keyAccount = deployed.keyArn === undefined ? owner : accountOfArn(deployed.keyArn);
  if (keyAccount !== owner) {
    throw new DeployedReadError(
      `${where}: output kms_key_arn=${JSON.stringify(deployed.keyArn)}: is a key of account ${keyAccount}, not of the caller's account ${owner}, so it is no bootstrap state of this account; check ${config.origins.bucket ?? SETTINGS.bucket.env} and ${config.origins.bootstrapStateKey ?? SETTINGS.bootstrapStateKey.env}`,
    );
  }
  return deployed;
}
