// `npm run teardown -- --yes-destroy-state` (or TFSTATE_CONFIRM_TEARDOWN=<bucket>; against real AWS only
// TFSTATE_CONFIRM_TEARDOWN=<bucket>@<account id>): the seed tutorial's last step. Shows every key it will
// delete, refuses while states it did not write remain (unless --include-foreign-states), destroys the app
// stacks, lifts the protections (TFSTATE_ALLOW_DESTROY=true, redeployed), empties the versioned bucket and
// destroys bootstrap. KMS keys cannot be deleted at once: AWS schedules the key for deletion.
import { join } from 'path';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { lockfileKey, projectStacks, projectStateKeys } from '../config/naming';
import { loadConfig } from '../config/load';
import { SETTINGS } from '../config/settings';
import { BackendConfig } from '../config/types';
import { UserError } from '../config/errors';
import { bucketExists, emptyBucket } from '../ops/bucket';
import { listObjectVersions, ObjectVersion } from '../ops/state';
import { awsClients } from './lib/aws';
import { cdktfOrExplain, loggingRunner } from './lib/cdktf';
import { LOCAL_DIR } from './lib/project';
import { parseCommandLine, progress, runCommand } from './lib/shell';
import { stackEnv } from './lib/terraform-config';

export const CONFIRM_FLAG = '--yes-destroy-state';
export const CONFIRM_ENV = 'TFSTATE_CONFIRM_TEARDOWN';
export const FOREIGN_FLAG = '--include-foreign-states';

const USAGE = `usage: npm run teardown -- [${CONFIRM_FLAG}] [${FOREIGN_FLAG}], or ${CONFIRM_ENV}=<bucket>[@<account id>] npm run teardown`;

/**
 * Why the teardown must not run, or undefined when it was confirmed for this very bucket (decided before any
 * AWS call). Against real AWS (no endpoint) only `<bucket>@<account id>` confirms: the account is checked next.
 */
export function teardownRefusal(config: BackendConfig, args: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
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
  const lines = [`s3://${config.bucket}: ${counts.size} key(s), ${versions.length} version(s) and delete marker(s) to delete`];
  for (const [group, keys] of groups) {
    lines.push(`  ${group} (${keys.length} key(s))`);
    for (const key of keys) lines.push(`    ${key}  ${counts.get(key)} version(s)${own.has(key) ? '' : '  [not written by this project]'}`);
  }
  return { lines, foreign: [...counts.keys()].filter((key) => !own.has(key)).sort() };
}

async function main(): Promise<void> {
  // A mistyped flag (--yes-destroy-stat) is a usage error; a flag nobody reads must not pass unnoticed.
  parseCommandLine({ options: { [CONFIRM_FLAG.slice(2)]: { type: 'boolean' }, [FOREIGN_FLAG.slice(2)]: { type: 'boolean' } }, strict: true });
  const config = loadConfig();
  const args = process.argv.slice(2);
  const refusal = teardownRefusal(config, args, process.env);
  if (refusal) throw new UserError(refusal);

  const { s3, sts } = awsClients(config.region, config.endpoint);
  if (config.endpoint === undefined) {
    const account = (await sts.send(new GetCallerIdentityCommand({}))).Account ?? '(unknown)';
    const wrongAccount = accountRefusal(process.env, account);
    if (wrongAccount) throw new UserError(wrongAccount);
    progress(`account ${account} confirmed`);
  }

  const bucketPresent = await bucketExists(s3, config.bucket);
  if (bucketPresent) {
    const plan = teardownPlan(config, await listObjectVersions(s3, config.bucket));
    for (const line of plan.lines) progress(line);
    if (plan.foreign.length > 0 && !args.includes(FOREIGN_FLAG)) {
      const shown = plan.foreign.slice(0, 5).join(', ') + (plan.foreign.length > 5 ? `, and ${plan.foreign.length - 5} more` : '');
      throw new UserError(`refusing to delete ${plan.foreign.length} key(s) this project did not write (${shown}): move or delete them first, or pass ${FOREIGN_FLAG} to delete them too; nothing was destroyed`);
    }
  }

  const log = join(LOCAL_DIR, 'teardown.log');
  const runner = loggingRunner(process.cwd(), stackEnv(LOCAL_DIR, process.env), log);
  const release = { [SETTINGS.allowDestroy.env]: 'true' };
  progress(`tearing down state bucket ${config.bucket} (full output: ${log})`);

  const step = async (what: string, verb: 'deploy' | 'destroy', stacks: string[], settings: Record<string, string> = {}) => {
    progress(what);
    const result = await cdktfOrExplain(runner, verb, stacks, config, [], settings);
    progress(`  done in ${result.seconds.toFixed(1)} s`);
  };

  if (bucketPresent) {
    const apps = projectStacks(config).filter((stack) => stack.kind === 'app').map((stack) => stack.name);
    await step(`cdktf destroy ${apps.join(' ')}`, 'destroy', apps);
  } else {
    progress(`bucket ${config.bucket} does not exist: no app state to destroy`);
  }
  await step(`cdktf deploy bootstrap with ${SETTINGS.allowDestroy.env}=true (lifts prevent_destroy and deletion protection)`, 'deploy', ['bootstrap'], release);
  if (await bucketExists(s3, config.bucket)) {
    progress(`emptied ${config.bucket}: ${await emptyBucket(s3, config.bucket)} object versions and delete markers deleted`);
  }
  await step('cdktf destroy bootstrap', 'destroy', ['bootstrap'], release);
  progress('done: bucket and lock table deleted, KMS key scheduled for deletion (AWS keeps it in PendingDeletion for its waiting period)');
}

if (require.main === module) runCommand(main, { usage: USAGE });
