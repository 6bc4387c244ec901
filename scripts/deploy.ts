// `npm run deploy -- <stack>... [cdktf deploy flags]`: cdktf deploy with the project's CLI config (provider
// mirror, plugin cache in .local/) and failures explained in one line, e.g. "deploy the bootstrap stack
// first" when the state bucket does not exist yet. Success is Terraform's own "Apply complete!" per stack.
import { loadConfig } from '../config/load';
import { BackendConfig } from '../config/types';
import { ADOPT_REFUSED } from '../constructs/adoption';
import { UsageError, UserError } from '../config/errors';
import { stackStateKey } from '../config/naming';
import { awsClients, probeEndpoint } from './lib/aws';
import { cdktf, ensureCompleted } from './lib/cdktf';
import { adoptRefusals } from './lib/diagnose';
import { recoverBootstrap } from './lib/recover';
import { LOCAL_DIR, stackDir } from './lib/project';
import { run } from './lib/run';
import { progress, runCommand } from './lib/shell';
import { stackEnv } from './lib/terraform-config';

const USAGE = 'usage: npm run deploy -- <stack>... [cdktf deploy flags], e.g. npm run deploy -- app --parallelism 1';

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
  // cdktf takes a stack name or pattern anywhere on the line as one more stack to deploy, and such a stack
  // would escape the check that Terraform completed it (a killed apply would pass as deployed).
  const late = flags.find((arg) => arg === '--' || arg.includes('*') || isStack(config, arg));
  if (late !== undefined) {
    throw new UsageError(`${JSON.stringify(late.slice(0, 100))} after the flag ${args[firstFlag]}: cdktf would deploy it as one more stack, unchecked; name every stack before the first flag (a flag's value that looks like one: --flag=<value>); ${USAGE}`);
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
  // Terraform honours HTTPS_PROXY, the AWS SDK for JavaScript does not: behind a proxy the probe would fail
  // where Terraform gets through, so there only the silence bound of the cdktf run applies.
  const proxied = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].some((name) => process.env[name]);
  if (config.endpoint !== undefined || !proxied) await probeEndpoint(awsClients(config.region, config.endpoint).s3, config.bucket);
  // A killed bootstrap left resources its local state does not hold: the re-run takes them over (scripts/lib/recover.ts).
  if (stacks.includes('bootstrap') && config.bootstrapBackend === 'local') await recoverBootstrap(config, runner.dir, runner.env);
  const result = await cdktf(runner, 'deploy', stacks, flags);
  if (config.adopt && stacks.includes('bootstrap') && result.code !== 0 && !result.timedOut && !result.stalled) {
    // cdktf can exit before its last lines (Terraform's errors) reach a pipe; a read-only plan prints them again.
    const plan = await run('terraform', ['plan', '-input=false', '-no-color', '-lock=false'], { cwd: stackDir('.', 'bootstrap'), env: runner.env, timeoutMs: 180_000 });
    const refusals = adoptRefusals(plan.output, config.bucket, config.region, ADOPT_REFUSED);
    // One line per reason: the shell prints each line of a UserError as a line of its own.
    if (refusals.length > 0) throw new UserError(refusals.map((line) => `cdktf deploy ${stacks.join(' ')}: ${line}`).join('\n'));
  }
  await ensureCompleted(runner, 'deploy', stacks, config, result);
  progress(`${stacks.join(', ')} deployed in ${result.seconds.toFixed(1)} s`);
}

if (require.main === module) runCommand(main);
