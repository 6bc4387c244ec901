// `npm run deploy -- <stack>... [cdktf deploy flags]`: cdktf deploy with the project's CLI config (provider
// mirror, plugin cache in .local/) and failures explained in one line, e.g. "deploy the bootstrap stack
// first" when the state bucket does not exist yet.
import { loadConfig } from '../config/load';
import { UserError } from './lib/diagnose';
import { LOCAL_DIR, cdktfOrExplain, progress, runCommand, stackEnv } from './lib/stacks';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const stacks = args.filter((arg) => !arg.startsWith('-'));
  if (stacks.length === 0) throw new UserError('name the stacks to deploy, e.g. npm run deploy -- bootstrap (then: npm run deploy -- app)');
  const config = loadConfig();
  const runner = { dir: process.cwd(), env: stackEnv(LOCAL_DIR, process.env), onOutput: (text: string) => process.stdout.write(text) };
  const result = await cdktfOrExplain(runner, 'deploy', stacks, config.bucket, args.filter((arg) => arg.startsWith('-')));
  progress(`${stacks.join(', ')} deployed in ${result.seconds.toFixed(1)} s`);
}

runCommand(main);
