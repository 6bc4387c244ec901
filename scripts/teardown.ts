// `npm run teardown -- --yes-destroy-state` (or TFSTATE_CONFIRM_TEARDOWN=<bucket>; against real AWS only
// TFSTATE_CONFIRM_TEARDOWN=<bucket>@<account id>): the seed tutorial's last step. Shows every key it will
// delete, refuses while states it did not write remain (unless --include-foreign-states), destroys the app
// stacks, lifts the protections (TFSTATE_ALLOW_DESTROY=true, redeployed), empties the versioned bucket and
// destroys bootstrap. KMS keys cannot be deleted at once: AWS schedules the key for deletion.

import { join } from 'node:path';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { loadConfig } from '../config/load';
import { lockfileKey, projectStacks, projectStateKeys } from '../config/naming';
import { SETTINGS } from '../config/settings';
import type { BackendConfig } from '../config/types';
import { errorLine, UserError } from '../errors';
import { bucketExists, deleteObjectVersions, listObjectVersions, type ObjectVersion } from '../ops/bucket';
import { printable } from '../ops/printable';
import { awsClients, BULK_LIMITS } from './lib/aws';
import { cdktfOrExplain, loggingRunner } from './lib/cdktf';
import { LOCAL_DIR } from './lib/project';
import { parseCommandLine, progress, runCommand } from './lib/shell';
import { stackEnv } from './lib/terraform-config';
import { withTicker } from './lib/ticker';

export const CONFIRM_FLAG = '--yes-destroy-state';
export const CONFIRM_ENV = 'TFSTATE_CONFIRM_TEARDOWN';
export const FOREIGN_FLAG = '--include-foreign-states';

const USAGE = `usage: npm run teardown -- [${CONFIRM_FLAG}] [${FOREIGN_FLAG}], or ${CONFIRM_ENV}=<bucket>[@<account id>] npm run teardown`;

/**
 * Why the teardown must not run, or undefined when it was confirmed for this very bucket (decided before any
 * AWS call). Against real AWS (no endpoint) only `<bucket>@<account id>` confirms: the account is checked next.
 */
export function teardownRefusal(
  config: BackendConfig,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): string | undefined {
  const named = env[CONFIRM_ENV];
  const [bucket, account] = named === undefined ? [] : splitConfirmation(named);
  if (named !== undefined && bucket !== config.bucket) {
    return `${CONFIRM_ENV}=${JSON.stringify(named.slice(0, 200))}: does not name the configured state bucket "${config.bucket}"; nothing was destroyed`;
  }
  if (config.endpoint === undefined && account === undefined) {
    return `refusing to destroy state bucket "${config.bucket}" in a real AWS account (no ${SETTINGS.endpoint.env}) without naming the account too: set ${CONFIRM_ENV}=${config.bucket}@<account id>`;
  }
  if (named === undefined && !args.includes(CONFIRM_FLAG)) {
    return `refusing to destroy state bucket "${config.bucket}" and every state in it without confirmation: pass ${CONFIRM_FLAG} or set ${CONFIRM_ENV}=${config.bucket}`;
  }
  if (config.bootstrapBackend === 's3') {
    return `${SETTINGS.bootstrapBackend.env}=s3: bootstrap's own state is in the bucket the teardown empties; move it back first (${SETTINGS.bootstrapBackend.env}=local npm run deploy -- bootstrap --migrate-state)`;
  }
  return undefined;
}

/** `<bucket>@<account>` -> [bucket, account]; a plain bucket name has no account. */
function splitConfirmation(named: string): [string, string | undefined] {
  const at = named.lastIndexOf('@');
  return at === -1 ? [named, undefined] : [named.slice(0, at), named.slice(at + 1)];
}

/** Why the confirmed account is not the one the credentials act in, else undefined. */
export function accountRefusal(env: NodeJS.ProcessEnv, actual: string): string | undefined {
  const named = env[CONFIRM_ENV];
  const account = named === undefined ? undefined : splitConfirmation(named)[1];
  if (account === undefined || account === actual) return undefined;
  return `${CONFIRM_ENV}=${JSON.stringify(named)}: names account ${JSON.stringify(account.slice(0, 40))}, but the credentials act in account ${actual}; nothing was destroyed`;
}

/** Keys this project writes: each stack's state and its S3 lockfile. Everything else belongs to someone else. */
export function ownKeys(config: BackendConfig): Set<string> {
  const states = [...projectStateKeys(config), config.bootstrapStateKey];
  return new Set([...states, ...states.map(lockfileKey)]);
}

export interface TeardownPlan {
  /** What will be deleted: every key, grouped by its first folder, with its version count. */
  readonly lines: string[];
  /** Keys in the bucket that this project did not write (consumers' states, kOps clusters, workspaces). */
  readonly foreign: string[];
}

/** The listing of a bucket's versions as the teardown shows it before deleting anything. */
export function teardownPlan(config: BackendConfig, versions: readonly ObjectVersion[]): TeardownPlan {
  const own = ownKeys(config);
  const counts = new Map<string, number>();
  for (const version of versions) counts.set(version.key, (counts.get(version.key) ?? 0) + 1);
  const groups = new Map<string, string[]>();
  for (const key of [...counts.keys()].sort()) {
    const slash = key.indexOf('/');
    const group = slash === -1 ? '(top level)' : `${key.slice(0, slash)}/`;
    groups.set(group, [...(groups.get(group) ?? []), key]);
  }
  const lines = [
    `s3://${config.bucket}: ${counts.size} key(s), ${versions.length} version(s) and delete marker(s) to delete`,
  ];
  for (const [group, keys] of groups) {
    lines.push(`  ${printable(group)} (${keys.length} key(s))`);
    for (const key of keys)
      lines.push(
        `    ${printable(key)}  ${counts.get(key)} version(s)${own.has(key) ? '' : '  [not written by this project]'}`,
      );
  }
  return { lines, foreign: [...counts.keys()].filter((key) => !own.has(key)).sort() };
}

/** Up to five keys, printable, and how many more. */
export function someKeys(keys: readonly string[]): string {
  return keys.slice(0, 5).map(printable).join(', ') + (keys.length > 5 ? `, and ${keys.length - 5} more` : '');
}

/** Keys with a version or delete marker in `now` that `listed` does not hold (written since), sorted. */
export function writtenSince(listed: readonly ObjectVersion[], now: readonly ObjectVersion[]): string[] {
  const seen = new Set(listed.map((version) => `${version.key}\0${version.versionId}`));
  return [
    ...new Set(
      now.filter((version) => !seen.has(`${version.key}\0${version.versionId}`)).map((version) => version.key),
    ),
  ].sort();
}

async function main(): Promise<void> {
  // A mistyped flag (--yes-destroy-stat) is a usage error; a flag nobody reads must not pass unnoticed.
  parseCommandLine({
    options: { [CONFIRM_FLAG.slice(2)]: { type: 'boolean' }, [FOREIGN_FLAG.slice(2)]: { type: 'boolean' } },
    strict: true,
  });
  const config = loadConfig();
  const args = process.argv.slice(2);
  const refusal = teardownRefusal(config, args, process.env);
  if (refusal) throw new UserError(refusal);

  const { s3, sts } = awsClients(config.region, config.endpoint);
  const bulk = awsClients(config.region, config.endpoint, BULK_LIMITS).s3;
  if (config.endpoint === undefined) {
    const account = (await sts.send(new GetCallerIdentityCommand({}))).Account ?? '(unknown)';
    const wrongAccount = accountRefusal(process.env, account);
    if (wrongAccount) throw new UserError(wrongAccount);
    progress(`account ${account} confirmed`);
  }
  const where = `s3://${config.bucket}`;
  const listing = () => {
    let listed = 0;
    return withTicker(
      () => `listing ${where}: ${listed} version(s) and delete marker(s) so far`,
      listObjectVersions(bulk, config.bucket, undefined, (count) => (listed = count)),
    );
  };

  const bucketPresent = await bucketExists(s3, config.bucket);
  let listed: ObjectVersion[] = [];
  if (bucketPresent) {
    listed = await listing();
    const plan = teardownPlan(config, listed);
    for (const line of plan.lines) progress(line);
    if (plan.foreign.length > 0 && !args.includes(FOREIGN_FLAG)) {
      throw new UserError(
        `refusing to delete ${plan.foreign.length} key(s) this project did not write (${someKeys(plan.foreign)}): move or delete them first, or pass ${FOREIGN_FLAG} to delete them too; nothing was destroyed`,
      );
    }
  }

  const log = join(LOCAL_DIR, 'teardown.log');
  const runner = loggingRunner(process.cwd(), stackEnv(LOCAL_DIR, process.env), log);
  const release = { [SETTINGS.allowDestroy.env]: 'true' };
  progress(`tearing down state bucket ${config.bucket} (full output: ${log})`);

  const step = async (
    what: string,
    verb: 'deploy' | 'destroy',
    stacks: string[],
    settings: Record<string, string> = {},
  ) => {
    progress(what);
    const result = await cdktfOrExplain(runner, verb, stacks, config, [], settings);
    progress(`  done in ${result.seconds.toFixed(1)} s`);
  };

  if (bucketPresent) {
    const apps = projectStacks(config)
      .filter((stack) => stack.kind === 'app')
      .map((stack) => stack.name);
    await step(`cdktf destroy ${apps.join(' ')}`, 'destroy', apps);
    // The destroy writes the app stacks' own states (and lockfiles) once more; a write to any other key is not ours.
    const afterDestroy = await listing();
    const others = writtenSince(listed, afterDestroy).filter((key) => !ownKeys(config).has(key));
    if (others.length > 0) {
      throw new UserError(
        `${others.length} key(s) written to ${where} during the app destroy, not shown above (${someKeys(others)}): nothing was deleted from the bucket and its protections were not lifted; run the teardown again to see them listed`,
      );
    }
    listed = afterDestroy;
    progress(
      `${where}: ${listed.length} version(s) and delete marker(s) to delete, the app destroy's own writes included`,
    );
  } else {
    progress(`bucket ${config.bucket} does not exist: no app state to destroy`);
  }
  await step(
    `cdktf deploy bootstrap with ${SETTINGS.allowDestroy.env}=true (lifts prevent_destroy and deletion protection)`,
    'deploy',
    ['bootstrap'],
    release,
  );
  if (await bucketExists(s3, config.bucket)) {
    await stopOnWrites(where, writtenSince(listed, await listing()), 'nothing was deleted from the bucket', step);
    let deleted = 0;
    const counts = () => `emptying ${where}: ${deleted} of ${listed.length} deleted, ${listed.length - deleted} left`;
    // A line after each batch, and every 10 s while one is slow to answer.
    await withTicker(
      counts,
      deleteObjectVersions(bulk, config.bucket, listed, (count) => {
        deleted = count;
        progress(counts());
      }),
    );
    // Written between the last listing and the deletion: the bucket is not empty, and destroying it would fail.
    await stopOnWrites(
      where,
      (await listing()).map((version) => version.key),
      `the ${listed.length} listed version(s) were deleted`,
      step,
    );
    progress(`emptied ${where}: ${listed.length} object versions and delete markers deleted, each one listed above`);
  }
  await step('cdktf destroy bootstrap', 'destroy', ['bootstrap'], release);
  progress(
    'done: bucket and lock table deleted, KMS key scheduled for deletion (AWS keeps it in PendingDeletion for its waiting period)',
  );
}

/**
 * Stops the teardown when keys were written that its listing did not show: someone still uses the bucket.
 * Bootstrap was redeployed with its protections lifted; a teardown that stops puts them back.
 */
async function stopOnWrites(
  where: string,
  keys: readonly string[],
  done: string,
  step: (what: string, verb: 'deploy', stacks: string[]) => Promise<void>,
): Promise<void> {
  if (keys.length === 0) return;
  const unique = [...new Set(keys)].sort();
  const stopped = `${unique.length} key(s) written to ${where} since the listing (${someKeys(unique)}): teardown stopped, ${done}`;
  progress(stopped);
  try {
    await step(`cdktf deploy bootstrap (putting prevent_destroy and deletion protection back)`, 'deploy', [
      'bootstrap',
    ]);
  } catch (error) {
    throw new UserError(
      `${stopped}; putting the protections back failed too (${errorLine(error)}): run npm run deploy -- bootstrap`,
    );
  }
  throw new UserError(
    `${stopped}; protections are back (bootstrap redeployed without ${SETTINGS.allowDestroy.env}); find who writes there, then run the teardown again`,
  );
}

if (require.main === module) runCommand(main, { usage: USAGE });
