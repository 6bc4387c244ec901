// `npm run deploy -- <stack>... [cdktf deploy flags]`: cdktf deploy with the project's CLI config (provider
// mirror, plugin cache in .local/) and failures explained in one line, e.g. "deploy the bootstrap stack
// first" when the state bucket does not exist yet.
import { loadConfig } from '../config/load';
import { ADOPT_REFUSED } from '../constructs/adoption';
import { adoptRefusals, UserError } from './lib/diagnose';
import { run } from './lib/run';
import { LOCAL_DIR, cdktf, explainFailure, progress, runCommand, stackDir, stackEnv } from './lib/stacks';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const stacks = args.filter((arg) => !arg.startsWith('-'));
  if (stacks.length === 0) throw new UserError('name the stacks to deploy, e.g. npm run deploy -- bootstrap (then: npm run deploy -- app)');
  const config = loadConfig();
  const runner = { dir: process.cwd(), env: stackEnv(LOCAL_DIR, process.env), onOutput: (text: string) => process.stdout.write(text) };
  const result = await cdktf(runner, 'deploy', stacks, args.filter((arg) => arg.startsWith('-')));
  const what = `cdktf deploy ${stacks.join(' ')}`;
  if (result.code !== 0) {
    let refusals: string[] = [];
    if (config.adopt && stacks.includes('bootstrap') && !result.timedOut) {
      // cdktf can exit before its last lines (Terraform's errors) reach a pipe; a read-only plan prints them again.
      const plan = await run('terraform', ['plan', '-input=false', '-no-color', '-lock=false'], { cwd: stackDir('.', 'bootstrap'), env: runner.env, timeoutMs: 180_000 });
      refusals = adoptRefusals(plan.output, config.bucket, config.region, ADOPT_REFUSED);
    }
    // One line per reason, each printed as an "error:" line.
    throw new UserError(refusals.length > 0 ? refusals.map((line) => `${what}: ${line}`).join('\nerror: ') : explainFailure(what, result, config.bucket));
  }
  progress(`${stacks.join(', ')} deployed in ${result.seconds.toFixed(1)} s`);
}

runCommand(main);
