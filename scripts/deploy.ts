// `npm run deploy -- <stack>... [cdktf deploy flags]`: cdktf deploy with the project's CLI config (provider
// mirror, plugin cache in .local/) and failures explained in one line, e.g. "deploy the bootstrap stack
// first" when the state bucket does not exist yet. Success is Terraform's own "Apply complete!" per stack.
import { loadConfig } from '../config/load';
import { BackendConfig } from '../config/types';
import { ADOPT_REFUSED } from '../constructs/adoption';
import { UsageError, UserError } from '../config/errors';
import { stackStateKey } from '../config/naming';
import { awsClients, probeEndpoint } from './lib/aws';
import { prepareBackends } from './lib/backend-change';
import { cdktf, ensureCompleted, replan, terraformFailed, withLostErrors } from './lib/cdktf';
import { adoptRefusals } from './lib/diagnose';
import { recoverBootstrap } from './lib/recover';
import { LOCAL_DIR } from './lib/project';
import { progress, runCommand } from './lib/shell';
import { stackEnv } from './lib/terraform-config';

const USAGE = 'usage: npm run deploy -- <stack>... [cdktf deploy flags], e.g. npm run deploy -- app --parallelism 1';

/**
 * The flags of cdktf deploy (and cdktf's global ones) that take the next argument as their value (cdktf-cli 0.21);
 * `--var` and `--var-file` are arrays there, one value per flag here.
 */
const FLAGS_WITH_VALUE = new Set(['--app', '-a', '--output', '-o', '--outputs-file', '--parallelism', '--terraform-parallelism', '--var', '--var-file', '--log-level', '--log-file-directory']);

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
      if (error instanceof UsageError) throw new UsageError(`${error.message.replace(/^--stack /, 'stack ')}; ${USAGE}`);
      throw error;
    }
  }
  const flags = firstFlag === -1 ? [] : args.slice(firstFlag);
  // cdktf takes a stack name anywhere on the line, and any other bare word (a pattern, a typo), as one more stack:
  // a stack would escape the check that Terraform completed it (a killed apply would pass as deployed), a typo
  // would end in cdktf's usage error with exit 1.
  const late = flags.find((arg, index) => arg === '--' || isStack(config, arg) || (!arg.startsWith('-') && !FLAGS_WITH_VALUE.has(flags[index - 1])));
  if (late !== undefined) {
    throw new UsageError(`${JSON.stringify(late.slice(0, 100))} after the flag ${args[firstFlag]}: cdktf would take it for one more stack, unchecked; name every stack before the first flag (a flag's value that looks like one: --flag=<value>); ${USAGE}`);
  }
  return { stacks, flags };
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
  const runner = { dir: process.cwd(), env: stackEnv(LOCAL_DIR, process.env), onOutput: (text: string) => process.stdout.write(text) };
  // Terraform honours HTTPS_PROXY, the AWS SDK for JavaScript does not: behind a proxy the probe (and the backend
  // checks) would fail where Terraform gets through, so there only the silence bound of the cdktf run applies.
  const proxied = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].some((name) => process.env[name]);
  if (config.endpoint !== undefined || !proxied) {
    const { s3 } = awsClients(config.region, config.endpoint);
    await probeEndpoint(s3, config.bucket);
    await prepareBackends(runner.dir, config, stacks, flags, s3);
  }
  // A killed bootstrap left resources its local state does not hold: the re-run takes them over (scripts/lib/recover.ts).
  // With --migrate-state the state comes from the bucket (phase 3 back): no local state is no interrupted run then.
  if (stacks.includes('bootstrap') && config.bootstrapBackend === 'local' && !flags.includes('--migrate-state')) await recoverBootstrap(config, runner.dir, runner.env);
  const result = await withLostErrors(runner, stacks, await cdktf(runner, 'deploy', stacks, flags));
  if (config.adopt && stacks.includes('bootstrap') && terraformFailed(result)) {
    // cdktf can exit before its last lines (Terraform's errors) reach a pipe, and some refusals may be among them.
    const refusals = adoptRefusals(await replan(runner, ['bootstrap']), config.bucket, config.region, ADOPT_REFUSED);
    // One line per reason: the shell prints each line of a UserError as a line of its own.
    if (refusals.length > 0) throw new UserError(refusals.map((line) => `cdktf deploy ${stacks.join(' ')}: ${line}`).join('\n'));
  }
  await ensureCompleted(runner, 'deploy', stacks, config, result);
  progress(`${stacks.join(', ')} deployed in ${result.seconds.toFixed(1)} s`);
}

if (require.main === module) runCommand(main);
