// `npm run deploy -- <stack>... [cdktf deploy flags]`: cdktf deploy with the project's CLI config (provider
// mirror, plugin cache in .local/) and failures explained in one line, e.g. "deploy the bootstrap stack
// first" when the state bucket does not exist yet. Success is Terraform's own "Apply complete!" per stack.

import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { loadConfig } from '../config/load';
import { appStackName, stackStateKey } from '../config/naming';
import { SETTINGS } from '../config/settings';
import type { BackendConfig } from '../config/types';
import { ADOPT_REFUSED } from '../constructs/adoption';
import { httpStatus, UsageError, UserError } from '../errors';
import { awsClients, probeEndpoint } from './lib/aws';
import { prepareBackends } from './lib/backend-change';
import { cdktf, ensureCompleted, replan, terraformFailed, withLostErrors } from './lib/cdktf';
import { adoptRefusals } from './lib/diagnose';
import { LOCAL_DIR } from './lib/project';
import { recoverBootstrap } from './lib/recover';
import { progress, runCommand } from './lib/shell';
import { stackEnv } from './lib/terraform-config';

const USAGE = 'usage: npm run deploy -- <stack>... [cdktf deploy flags], e.g. npm run deploy -- app --parallelism 1';

/**
 * The flags of cdktf deploy (and cdktf's global ones) that take the next argument as their value (cdktf-cli 0.21);
 * `--var` and `--var-file` are arrays there, one value per flag here.
 */
const FLAGS_WITH_VALUE = new Set([
  '--app',
  '-a',
  '--output',
  '-o',
  '--outputs-file',
  '--parallelism',
  '--terraform-parallelism',
  '--var',
  '--var-file',
  '--log-level',
  '--log-file-directory',
]);

/**
 * The stacks (every argument before the first flag) and the flags passed on to cdktf unchanged (the first
 * flag and everything after it, so a flag's value such as `--parallelism 1` is never taken for a stack).
 */
export function deployArguments(config: BackendConfig, args: readonly string[]): { stacks: string[]; flags: string[] } {
  const firstFlag = args.findIndex((arg) => arg.startsWith('-'));
  const stacks = firstFlag === -1 ? [...args] : args.slice(0, firstFlag);
  if (stacks.length === 0) throw new UsageError(`name the stacks to deploy before any flag; ${USAGE}`);
  for (const stack of stacks) {
    try {
      stackStateKey(config, stack);
    } catch (error) {
      if (error instanceof UsageError) throw new UsageError(`${error.message}; ${USAGE}`);
      throw error;
    }
  }
  const flags = firstFlag === -1 ? [] : args.slice(firstFlag);
  // cdktf takes a stack name anywhere on the line, and any other bare word (a pattern, a typo), as one more stack:
  // a stack would escape the check that Terraform completed it (a killed apply would pass as deployed), a typo
  // would end in cdktf's usage error with exit 1.
  const late = flags.find(
    (arg, index) =>
      arg === '--' || isStack(config, arg) || (!arg.startsWith('-') && !FLAGS_WITH_VALUE.has(flags[index - 1])),
  );
  if (late !== undefined) {
    throw new UsageError(
      `${JSON.stringify(late.slice(0, 100))} after the flag ${args[firstFlag]}: cdktf would take it for one more stack, unchecked; name every stack before the first flag (a flag's value that looks like one: --flag=<value>); ${USAGE}`,
    );
  }
  return { stacks, flags };
}

/** Whether a state object's text is the bootstrap stack's: it carries bootstrap's outputs backend_config and kms_key_arn. */
export function isBootstrapState(text: string): boolean {
  try {
    const outputs = (JSON.parse(text) as { outputs?: Record<string, unknown> } | null)?.outputs;
    return typeof outputs === 'object' && outputs !== null && 'backend_config' in outputs && 'kms_key_arn' in outputs;
  } catch {
    return false;
  }
}

/**
 * Reads the state each selected stack will plan from and refuses, in one line, what the file may have pointed it
 * at: a bucket of another account (Terraform would plan from whatever state that account serves, and destroy in
 * this account every resource it lists), and for an app stack the key of bootstrap's own state (phase 3), whose
 * resources the app's apply would destroy, since prevent_destroy holds a resource only in a configuration that
 * has it (the bucket policy, public access blocks, versioning and key alias went so, against moto).
 */
export async function refuseForeignState(
  s3: S3Client,
  config: BackendConfig,
  stacks: readonly string[],
  callerAccount: () => Promise<string>,
): Promise<void> {
  const remote = stacks.filter((stack) => stack !== 'bootstrap' || config.bootstrapBackend === 's3');
  if (remote.length === 0) return;
  // Without the caller's account (STS unreachable, as Terraform will find too) only the bootstrap-state check runs.
  const owner = await callerAccount().then(
    (account) => (/^\d{12}$/.test(account) ? account : undefined),
    () => undefined,
  );
  for (const stack of remote) {
    const key = stackStateKey(config, stack);
    let text: string;
    try {
      const object = await s3.send(
        new GetObjectCommand({ Bucket: config.bucket, Key: key, ExpectedBucketOwner: owner }),
      );
      text = await object.Body!.transformToString();
    } catch (error) {
      if (owner !== undefined && ((error as { name?: string }).name === 'AccessDenied' || httpStatus(error) === 403)) {
        throw new UserError(
          `${config.origins.bucket ?? SETTINGS.bucket.env}=${JSON.stringify(config.bucket)}: reading the state of ${stack} as a bucket of account ${owner} (the caller's) was refused: a bucket of another account would serve the state Terraform plans from, and the apply would destroy here whatever that state lists; name a bucket of this account (or grant these credentials the state)`,
        );
      }
      // No state yet, or none readable: Terraform reports what it cannot read.
      continue;
    }
    if (stack === 'bootstrap' || !isBootstrapState(text)) continue;
    const setting = stack === appStackName() ? 'stateKey' : 'environmentKeyPrefix';
    const origin = config.origins[setting] ?? SETTINGS[setting].env;
    throw new UserError(
      `${origin} gives stack ${stack} the state key "${key}", which holds the bootstrap stack's state (outputs backend_config and kms_key_arn): deploying ${stack} there would destroy the backend's resources, since prevent_destroy holds them only in bootstrap's configuration; give ${stack} a key of its own`,
    );
  }
}

function isStack(config: BackendConfig, name: string): boolean {
  try {
    stackStateKey(config, name);
    return true;
  } catch (error) {
    if (error instanceof UsageError) return false;
    throw error;
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const { stacks, flags } = deployArguments(config, process.argv.slice(2));
  const runner = {
    dir: process.cwd(),
    env: stackEnv(LOCAL_DIR, process.env),
    onOutput: (text: string) => process.stdout.write(text),
  };
  // Terraform honours HTTPS_PROXY, the AWS SDK for JavaScript does not: behind a proxy the probe (and the backend
  // checks) would fail where Terraform gets through, so there only the silence bound of the cdktf run applies.
  const proxied = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].some((name) => process.env[name]);
  if (config.endpoint !== undefined || !proxied) {
    const { s3 } = awsClients(config.region, config.endpoint);
    await probeEndpoint(s3, config.bucket);
    // Behind a proxy the SDK reaches no state either: the check would only wait out its timeouts.
    await refuseForeignState(
      s3,
      config,
      stacks,
      async () =>
        (await awsClients(config.region, config.endpoint).sts.send(new GetCallerIdentityCommand({}))).Account ?? '',
    );
    await prepareBackends(runner.dir, config, stacks, flags, s3);
  }
  // A killed bootstrap left resources its local state does not hold: the re-run takes them over (scripts/lib/recover.ts).
  // With --migrate-state the state comes from the bucket (phase 3 back): no local state is no interrupted run then.
  if (stacks.includes('bootstrap') && config.bootstrapBackend === 'local' && !flags.includes('--migrate-state'))
    await recoverBootstrap(config, runner.dir, runner.env);
  const result = await withLostErrors(runner, stacks, await cdktf(runner, 'deploy', stacks, flags));
  if (config.adopt && stacks.includes('bootstrap') && terraformFailed(result)) {
    // cdktf can exit before its last lines (Terraform's errors) reach a pipe, and some refusals may be among them.
    const refusals = adoptRefusals(await replan(runner, ['bootstrap']), config.bucket, config.region, ADOPT_REFUSED);
    // One line per reason: the shell prints each line of a UserError as a line of its own.
    if (refusals.length > 0)
      throw new UserError(refusals.map((line) => `cdktf deploy ${stacks.join(' ')}: ${line}`).join('\n'));
  }
  await ensureCompleted(runner, 'deploy', stacks, config, result);
  progress(`${stacks.join(', ')} deployed in ${result.seconds.toFixed(1)} s`);
}

if (require.main === module) runCommand(main);
