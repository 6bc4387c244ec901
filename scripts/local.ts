// `npm run local`: the main job against a local AWS emulator. Creates .venv with the pinned moto if missing,
// starts moto on a free loopback port, deploys bootstrap then app through the real cdktf CLI in a throwaway
// workspace (the project's own state files are never touched), shows what landed where, stops moto.
import { join } from 'node:path';
import { backendSettings } from '../config/backend';
import { loadConfig } from '../config/load';
import { listObjectVersions, objectEncryption } from '../ops/bucket';
import { lockItems } from '../ops/lock-table';
import { emulatorWarnings } from '../stacks/emulator';
import { awsClients, emulatorEnv } from './lib/aws';
import { cdktfOrExplain, loggingRunner } from './lib/cdktf';
import { type Emulator, ensureVenv, startEmulator } from './lib/emulator';
import { LOCAL_DIR, PROJECT_ROOT } from './lib/project';
import { parseCommandLine, progress, runCommand } from './lib/shell';
import { findProviderMirror, stackEnv } from './lib/terraform-config';
import { createWorkspace, type Workspace } from './lib/workspace';

const LOG = join(LOCAL_DIR, 'local-run.log');

async function main(): Promise<void> {
  // It takes no argument: a flag meant for something else (--help, a stack) must not start a whole run.
  parseCommandLine({ options: {}, strict: true });
  const started = Date.now();
  progress('checking terraform and the provider mirror');
  // Fails early, with one line, when terraform is missing or TFSTATE_PROVIDER_MIRROR is wrong.
  const env = stackEnv(LOCAL_DIR, process.env);
  const mirror = findProviderMirror();
  progress(
    mirror
      ? `provider mirror: ${mirror.path} (${mirror.origin === 'env' ? 'TFSTATE_PROVIDER_MIRROR' : 'found'})`
      : 'no provider mirror found: Terraform downloads the AWS provider',
  );

  progress('checking the Python venv with moto');
  await ensureVenv(PROJECT_ROOT, progress);

  let emulator: Emulator | undefined;
  let workspace: Workspace | undefined;
  // On Ctrl-C, runCommand exits and the exit hooks stop the emulator and remove the workspace.
  try {
    emulator = await startEmulator(PROJECT_ROOT);
    progress(`emulator (moto) listening on ${emulator.endpoint}`);
    workspace = createWorkspace(PROJECT_ROOT);
    const config = loadConfig({ cwd: workspace.dir, env: { ...process.env, AWS_ENDPOINT_URL: emulator.endpoint } });
    for (const warning of emulatorWarnings(config)) progress(warning);

    const runner = loggingRunner(workspace.dir, { ...env, ...emulatorEnv(emulator.endpoint, config.region) }, LOG);
    for (const stack of ['bootstrap', 'app']) {
      progress(`cdktf deploy ${stack} (full output: ${LOG})`);
      const result = await cdktfOrExplain(runner, 'deploy', [stack], config);
      progress(`${stack} deployed in ${result.seconds.toFixed(1)} s`);
    }

    progress('what is in the emulator now');
    for (const line of await describe(config)) console.log(`    ${line}`);
    progress(
      `done in ${((Date.now() - started) / 1000).toFixed(1)} s; stopping the emulator (its contents go with it)`,
    );
  } finally {
    workspace?.remove();
    await emulator?.stop();
  }
}

async function describe(config: ReturnType<typeof loadConfig>): Promise<string[]> {
  const { s3, dynamodb } = awsClients(config.region, config.endpoint);
  const lines = [`bucket ${config.bucket} (${config.region}):`];
  for (const version of await listObjectVersions(s3, config.bucket)) {
    const sse = version.deleteMarker ? undefined : await objectEncryption(s3, config.bucket, version.key);
    lines.push(
      `  ${version.key}  version ${version.versionId}${sse ? `  encrypted ${sse.sse} ${sse.kmsKeyId ?? ''}` : '  (delete marker)'}`,
    );
  }
  if (config.lockTable !== undefined) {
    lines.push(`lock table ${config.lockTable}:`);
    for (const [id, item] of await lockItems(dynamodb, config.lockTable)) {
      lines.push(`  ${id}  ${item.Digest !== undefined ? `digest ${item.Digest}` : `lock ${item.Info ?? ''}`}`);
    }
  } else {
    lines.push('lock table: none (locking is s3: Terraform writes <key>.tflock objects while it holds a lock)');
  }
  lines.push(`backend "s3" settings of app: ${JSON.stringify(backendSettings(config, config.stateKey))}`);
  return lines;
}

runCommand(main, {
  usage: 'usage: npm run local (no arguments; settings are TFSTATE_* variables and tfstate.config.json)',
});
