// Failure as a hostile but realistic user meets it: terraform killed mid-apply, SIGTERM to the npm process,
// state overwritten with garbage or with another project's state, an endpoint that accepts and never answers.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { digestLockId, environmentStateKey, lockItemId } from '../../config/naming';
import { listObjectVersions } from '../../ops/bucket';
import { md5Hex } from '../../ops/lock-table';
import { findLocks } from '../../ops/locks';
import { LOCAL_DIR, PROJECT_ROOT } from '../../scripts/lib/project';
import { withoutSettings } from '../../scripts/lib/terraform-config';
import {
  alive,
  descendants,
  expectSuccess,
  type NpmRun,
  npmRun,
  type Scenario,
  waitFor,
  withScenario,
} from './harness';

const VPC_CREATING = (stack: string) => new RegExp(`^${stack}\\s+aws_vpc\\.placeholder-vpc: Creating\\.\\.\\.`, 'm');

/** The processes of `tree` still running a moment after npm exited (a SIGKILL sent at exit takes a few ms to land). */
async function leftBehind(tree: Map<number, string>): Promise<string[]> {
  await waitFor('processes to end', () => alive(tree).length === 0, 3_000).catch(() => undefined);
  return alive(tree);
}

function errorLines(output: string): string[] {
  return output.split('\n').filter((line) => line.startsWith('error: '));
}

/** SIGKILLs the `terraform apply` below the npm process, as the kernel's OOM killer would. */
function killTerraformApply(run: NpmRun): void {
  const apply = [...descendants(run.npm.pid!)].find(([, args]) => /^\S*terraform apply\b/.test(args));
  if (!apply)
    throw new Error(`no terraform apply process below npm:\n${[...descendants(run.npm.pid!).values()].join('\n')}`);
  process.kill(apply[0], 'SIGKILL');
}

async function readState(scenario: Scenario, key: string, versionId?: string): Promise<string> {
  const object = await scenario.aws.s3.send(
    new GetObjectCommand({ Bucket: scenario.config.bucket, Key: key, VersionId: versionId }),
  );
  return object.Body!.transformToString();
}

async function overwriteState(scenario: Scenario, key: string, body: string): Promise<string> {
  const put = await scenario.aws.s3.send(
    // ContentLength stated: the SDK takes an empty string Body for a stream of unknown length and warns.
    new PutObjectCommand({
      Bucket: scenario.config.bucket,
      Key: key,
      Body: body,
      ContentLength: Buffer.byteLength(body),
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: scenario.config.kmsAlias,
    }),
  );
  return put.VersionId!;
}

async function digest(scenario: Scenario, key: string): Promise<string | undefined> {
  const item = await scenario.aws.dynamodb.send(
    new GetItemCommand({
      TableName: scenario.config.lockTable,
      Key: { LockID: { S: digestLockId(scenario.config.bucket, key) } },
    }),
  );
  return item.Item?.Digest?.S;
}

describe('failures under npm run deploy, and restore over damaged state', () => {
  test('SIGTERM to npm stops the whole run; a killed terraform apply is a failure naming its lock; restore over corrupt, empty and foreign state', async () => {
    await withScenario('hostile failures', { TFSTATE_ENVIRONMENTS: 'dev,qa' }, async (scenario) => {
      const { config, aws, cdktf, terraform, command, dir, env } = scenario;
      expectSuccess(await cdktf('deploy', ['bootstrap']), 'deploy bootstrap');

      // 1. SIGTERM to the npm process mid-apply: terraform finishes its step and releases its lock, every
      // process below npm is gone when npm exits, and nothing writes state afterwards.
      const devKey = environmentStateKey(config.environmentKeyPrefix, 'dev');
      const stopped = npmRun(dir, 'deploy', ['app-dev'], env);
      await waitFor('app-dev creating its VPC', () => VPC_CREATING('app-dev').test(stopped.output()), 120_000, stopped);
      const tree = descendants(stopped.npm.pid!);
      expect([...tree.values()].some((args) => /terraform apply/.test(args))).toBe(true);
      stopped.npm.kill('SIGTERM');
      expect(await stopped.done).not.toBe(0);
      expect(stopped.output()).toContain('==> SIGTERM: stopping');
      expect(await leftBehind(tree)).toEqual([]);
      expect(await findLocks(aws, config, devKey)).toEqual([]);
      const versionsAtExit = (await listObjectVersions(aws.s3, config.bucket, devKey)).length;
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      expect((await listObjectVersions(aws.s3, config.bucket, devKey)).length).toBe(versionsAtExit);

      // 2. terraform SIGKILLed mid-apply (cdktf still exits 0): non-zero exit, one line naming the held lock
      // and the command that releases it; that command works.
      const qaKey = environmentStateKey(config.environmentKeyPrefix, 'qa');
      const killed = npmRun(dir, 'deploy', ['app-qa'], env);
      await waitFor('app-qa creating its VPC', () => VPC_CREATING('app-qa').test(killed.output()), 120_000, killed);
      killTerraformApply(killed);
      expect(await killed.done).toBe(1);
      const lockItem = await aws.dynamodb.send(
        new GetItemCommand({ TableName: config.lockTable, Key: { LockID: { S: lockItemId(config.bucket, qaKey) } } }),
      );
      const lockId = JSON.parse(lockItem.Item!.Info!.S!).ID as string;
      const errors = errorLines(killed.output());
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(
        /^error: cdktf deploy app-qa: Terraform did not report "Apply complete!" for app-qa \(it was killed or crashed; cdktf still exited 0\); the state lock of app-qa is still held: locked \(lock table item\): ID=/,
      );
      expect(errors[0]).toContain(`ID=${lockId} `);
      expect(errors[0]).toContain(
        `release it with: (cd cdktf.out/stacks/app-qa && terraform force-unlock -force ${lockId})`,
      );
      expect(killed.output()).not.toMatch(/app-qa deployed/);
      expectSuccess(await terraform('app-qa', ['force-unlock', '-force', lockId]), 'the printed force-unlock');

      // 3. restore: the app's good version back over a corrupt, an empty and another project's current version.
      expectSuccess(await cdktf('deploy', ['app']), 'deploy app');
      const key = config.stateKey;
      const goodVersion = (await listObjectVersions(aws.s3, config.bucket, key)).find((v) => v.isLatest)!.versionId;
      const good = JSON.parse(await readState(scenario, key));
      for (const [what, body] of [
        ['not JSON', '{"version": 4, "serial": 3, "lin'],
        ['empty', ''],
      ]) {
        const bad = await overwriteState(scenario, key, body);
        const restore = expectSuccess(
          await command('state', ['restore', goodVersion, '--yes']),
          `restore over ${what} state`,
        );
        expect(restore.output).toContain(
          'the current version was not a Terraform state (empty or not JSON): replaced; it stays in the history',
        );
        const restored = await readState(scenario, key);
        expect(JSON.parse(restored)).toMatchObject({ lineage: good.lineage, resources: good.resources });
        expect(await digest(scenario, key)).toBe(md5Hex(restored));
        expect(await readState(scenario, key, bad)).toBe(body);
      }
      expect((await terraform('app', ['plan', '-input=false', '-detailed-exitcode'])).code).toBe(0);

      const foreign = JSON.stringify({
        version: 4,
        terraform_version: '1.11.4',
        serial: 41,
        lineage: 'another-project-lineage',
        outputs: {},
        resources: [],
      });
      const foreignVersion = await overwriteState(scenario, key, foreign);
      const refused = await command('state', ['restore', goodVersion, '--yes']);
      expect(refused.code).toBe(1);
      expect(errorLines(refused.output)).toEqual([
        `error: the version has lineage ${good.lineage}, the current state another-project-lineage: the current one belongs to another state (overwritten by another project?); add --force-lineage to restore this version over it anyway (the current one stays in the history)`,
      ]);
      expect(await readState(scenario, key)).toBe(foreign);
      const forced = expectSuccess(
        await command('state', ['restore', goodVersion, '--yes', '--force-lineage']),
        'restore --force-lineage',
      );
      expect(forced.output).toContain(
        'the current version was another state (other lineage): replaced (--force-lineage); it stays in the history',
      );
      expect(JSON.parse(await readState(scenario, key))).toMatchObject({ lineage: good.lineage, serial: 42 });
      expect(await readState(scenario, key, foreignVersion)).toBe(foreign);
      expect(await findLocks(aws, config, key)).toEqual([]);
      expect((await terraform('app', ['plan', '-input=false', '-detailed-exitcode'])).code).toBe(0);
    });
  }, 420_000);
});

describe('failures under npm run local', () => {
  // A temp folder of these runs alone: another process's workspaces (a parallel run) must not count.
  const runTmp = mkdtempSync(join(tmpdir(), 'tfstate-e2e-tmp-'));
  afterAll(() => rmSync(runTmp, { recursive: true, force: true }));
  const env = { ...withoutSettings(process.env), TMPDIR: runTmp };
  const workspaces = () => new Set(readdirSync(runTmp).filter((name) => name.startsWith('tfstate-run-')));
  const log = () =>
    existsSync(join(LOCAL_DIR, 'local-run.log')) ? readFileSync(join(LOCAL_DIR, 'local-run.log'), 'utf8') : '';

  test('terraform killed mid-apply of app: non-zero exit, one line naming the held lock; emulator and workspace gone', async () => {
    const before = workspaces();
    const run = npmRun(PROJECT_ROOT, 'local', [], env);
    // The log is emptied when the run starts; its app lines count only once the app deploy has begun.
    await waitFor(
      'npm run local deploying app',
      () => run.output().includes('==> cdktf deploy app') && VPC_CREATING('app').test(log()),
      200_000,
      run,
    );
    const tree = descendants(run.npm.pid!);
    killTerraformApply(run);
    expect(await run.done).toBe(1);
    const errors = errorLines(run.output());
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^error: cdktf deploy app: Terraform did not report "Apply complete!" for app \(it was killed or crashed; cdktf still exited 0\); the state lock of app is still held: locked \(lock table item\): ID=[0-9a-f-]{36} .*terraform force-unlock -force [0-9a-f-]{36}\)$/,
    );
    expect(await leftBehind(tree)).toEqual([]);
    expect([...workspaces()].filter((name) => !before.has(name))).toEqual([]);
  }, 300_000);

  test('SIGTERM to npm during bootstrap: no process and no workspace left behind', async () => {
    const before = workspaces();
    const run = npmRun(PROJECT_ROOT, 'local', [], env);
    await waitFor(
      'npm run local applying bootstrap',
      () => run.output().includes('==> cdktf deploy bootstrap') && /aws_kms_key\.\S+: Creating\.\.\./.test(log()),
      200_000,
      run,
    );
    const tree = descendants(run.npm.pid!);
    expect([...tree.values()].some((args) => /moto_server/.test(args))).toBe(true);
    run.npm.kill('SIGTERM');
    expect(await run.done).not.toBe(0);
    expect(await leftBehind(tree)).toEqual([]);
    expect([...workspaces()].filter((name) => !before.has(name))).toEqual([]);
  }, 300_000);
});

describe('an endpoint that accepts connections and never answers', () => {
  test('npm run state -- lock and npm run deploy -- app each end with one line naming it, within 60 s', async () => {
    const sockets: Socket[] = [];
    const server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const env = {
        ...withoutSettings(process.env),
        AWS_ENDPOINT_URL: endpoint,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
      };
      const started = Date.now();
      const runs = [npmRun(PROJECT_ROOT, 'state', ['lock'], env), npmRun(PROJECT_ROOT, 'deploy', ['app'], env)];
      const codes = await Promise.all(runs.map((run) => run.done));
      expect((Date.now() - started) / 1000).toBeLessThan(60);
      expect(codes).toEqual([1, 1]);
      for (const run of runs) {
        const errors = errorLines(run.output());
        expect(errors).toHaveLength(1);
        expect(errors[0]).toMatch(
          new RegExp(
            `^error: (S3|DynamoDB) endpoint ${endpoint}\\S* did not answer \\(ETIMEDOUT: .*; 3 attempt\\(s\\), each bounded to 10 s\\)`,
          ),
        );
      }
      expect(sockets.length).toBeGreaterThanOrEqual(6);
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  }, 120_000);
});
