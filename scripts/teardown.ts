// `npm run teardown -- --yes-destroy-state` (or TFSTATE_CONFIRM_TEARDOWN=<bucket>): the seed tutorial's last
// step. Destroys the app stacks, lifts the protections (TFSTATE_ALLOW_DESTROY=true, redeployed), empties the
// versioned bucket (every version and delete marker) and destroys bootstrap. KMS keys cannot be deleted at
// once: AWS schedules the key for deletion after its waiting period.
import { join } from 'path';
import { appStackName } from '../config/naming';
import { loadConfig } from '../config/load';
import { SETTINGS } from '../config/settings';
import { BackendConfig } from '../config/types';
import { awsClients, bucketExists, emptyBucket } from './lib/aws';
import { UserError } from './lib/diagnose';
import { LOCAL_DIR, cdktfOrExplain, loggingRunner, progress, runCommand, stackEnv } from './lib/stacks';

export const CONFIRM_FLAG = '--yes-destroy-state';
export const CONFIRM_ENV = 'TFSTATE_CONFIRM_TEARDOWN';

/** Why the teardown must not run, or undefined when it was confirmed for this very bucket. */
export function teardownRefusal(config: BackendConfig, args: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  const named = env[CONFIRM_ENV];
  if (named !== undefined && named !== config.bucket) {
    return `${CONFIRM_ENV}=${JSON.stringify(named)}: does not name the configured state bucket "${config.bucket}"; nothing was destroyed`;
  }
  if (named === undefined && !args.includes(CONFIRM_FLAG)) {
    return `refusing to destroy state bucket "${config.bucket}" and every state in it without confirmation: pass ${CONFIRM_FLAG} or set ${CONFIRM_ENV}=${config.bucket}`;
  }
  if (config.bootstrapBackend === 's3') {
    return `${SETTINGS.bootstrapBackend.env}=s3: bootstrap's own state is in the bucket the teardown empties; move it back first (${SETTINGS.bootstrapBackend.env}=local npm run deploy -- bootstrap --migrate-state)`;
  }
  return undefined;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const refusal = teardownRefusal(config, process.argv.slice(2), process.env);
  if (refusal) throw new UserError(refusal);

  const log = join(LOCAL_DIR, 'teardown.log');
  const runner = loggingRunner(process.cwd(), stackEnv(LOCAL_DIR, process.env), log);
  const release = { [SETTINGS.allowDestroy.env]: 'true' };
  const { s3 } = awsClients(config.region, config.endpoint);
  progress(`tearing down state bucket ${config.bucket} (full output: ${log})`);

  const step = async (what: string, verb: 'deploy' | 'destroy', stacks: string[], settings: Record<string, string> = {}) => {
    progress(what);
    const result = await cdktfOrExplain(runner, verb, stacks, config.bucket, [], settings);
    progress(`  done in ${result.seconds.toFixed(1)} s`);
  };

  if (await bucketExists(s3, config.bucket)) {
    const apps = [appStackName(), ...config.environments.map(appStackName)];
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

if (require.main === module) runCommand(main);
