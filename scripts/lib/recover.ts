// Finishing an interrupted bootstrap (kill -9, a crash, a lost machine) by running the same deploy again: the
// local state is brought back to its last good copy when the kill left it empty or cut short, and every named
// resource the synthesized stack declares that exists in AWS, carries this project's tags and is missing from the
// state is imported, so the apply does not fail on "already exists". A KMS key has no name: the one the alias
// names is imported with it; any other key tagged for this bucket that no state knows of is scheduled for deletion.

import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeTableCommand, ListTagsOfResourceCommand } from '@aws-sdk/client-dynamodb';
import { GetPolicyCommand, ListPolicyTagsCommand } from '@aws-sdk/client-iam';
import {
  DescribeKeyCommand,
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { GetBucketTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { App } from 'cdktf';
import { BOOTSTRAP_LOCAL_STATE, projectTags } from '../../config/naming';
import { SETTINGS } from '../../config/settings';
import type { BackendConfig } from '../../config/types';
import { httpStatus, UserError } from '../../errors';
import { bucketExists } from '../../ops/bucket';
import { buildApp } from '../../stacks/app';
import { type AwsClients, awsClients } from './aws';
import { hasState } from './backend-change';
import { firstError } from './diagnose';
import { stackDir } from './project';
import { run } from './run';
import { progress } from './shell';

/** The parts of a synthesized stack (cdk.tf.json) the recovery reads. */
export interface SynthesizedStack {
  readonly provider?: { readonly aws?: readonly { readonly region: string; readonly alias?: string }[] };
  readonly resource?: Record<
    string,
    Record<
      string,
      {
        readonly bucket?: string;
        readonly name?: string;
        readonly path?: string;
        readonly provider?: string;
        readonly target_key_id?: string;
      }
    >
  >;
  readonly import?: readonly { readonly to: string }[];
}

/** The parts of a Terraform state file the recovery reads. */
export interface LocalState {
  readonly resources?: readonly {
    readonly mode: string;
    readonly type: string;
    readonly name: string;
    readonly module?: string;
    readonly instances?: readonly { readonly attributes?: { readonly id?: string } }[];
  }[];
}

/** A named resource of the stack that the state does not hold: to import when it exists in AWS and is ours. */
export interface Missing {
  readonly address: string;
  readonly type: 'aws_s3_bucket' | 'aws_dynamodb_table' | 'aws_kms_alias' | 'aws_iam_policy';
  readonly name: string;
  readonly region: string;
  /** The policy's path. */
  readonly path?: string;
  /** The alias's key, when the stack creates it and the state does not hold it either. */
  readonly keyAddress?: string;
}

const NAMED = {
  aws_s3_bucket: 'bucket',
  aws_dynamodb_table: 'name',
  aws_kms_alias: 'name',
  aws_iam_policy: 'name',
} as const;

function stateAddresses(state: LocalState | undefined): Set<string> {
  return new Set(
    (state?.resources ?? [])
      .filter((r) => r.mode === 'managed' && r.module === undefined)
      .map((r) => `${r.type}.${r.name}`),
  );
}

function regionOf(stack: SynthesizedStack, provider: string | undefined): string {
  const alias = provider?.replace(/^aws\./, '');
  const found = (stack.provider?.aws ?? []).find((p) => p.alias === alias);
  if (found === undefined) throw new Error(`no AWS provider ${provider ?? '(default)'} in the synthesized stack`);
  return found.region;
}

/**
 * The named resources `stack` declares that `state` lacks (those with an import block of their own, TFSTATE_ADOPT's,
 * left to it), and the regions of the KMS keys it declares that `state` lacks.
 */
export function missingFromState(
  stack: SynthesizedStack,
  state: LocalState | undefined,
): { missing: Missing[]; keyRegions: string[] } {
  const held = stateAddresses(state);
  for (const block of stack.import ?? []) held.add(block.to);
  const missing: Missing[] = [];
  for (const [type, attribute] of Object.entries(NAMED) as [Missing['type'], string][]) {
    for (const [name, resource] of Object.entries(stack.resource?.[type] ?? {})) {
      const address = `${type}.${name}`;
      if (held.has(address)) continue;
      const key = /^\$\{(aws_kms_key\.[^.]+)\.key_id\}$/.exec(resource.target_key_id ?? '')?.[1];
      missing.push({
        address,
        type,
        name: resource[attribute as keyof typeof resource] as string,
        region: regionOf(stack, resource.provider),
        ...(type === 'aws_iam_policy' ? { path: resource.path ?? '/' } : {}),
        ...(key !== undefined && !held.has(key) ? { keyAddress: key } : {}),
      });
    }
  }
  const keyRegions = Object.entries(stack.resource?.aws_kms_key ?? {})
    .filter(([name]) => !held.has(`aws_kms_key.${name}`))
    .map(([, key]) => regionOf(stack, key.provider));
  return { missing, keyRegions: [...new Set(keyRegions)] };
}

/** The ids of every resource in the state (a key's id is its key id). */
export function stateIds(state: LocalState | undefined): Set<string> {
  return new Set((state?.resources ?? []).flatMap((r) => (r.instances ?? []).map((i) => i.attributes?.id ?? '')));
}

const PRIVATE = 0o600;

/** The last good copy of the bootstrap's local state: the one a killed run's empty or cut-short file is replaced by. */
export function lastGoodStatePath(projectDir: string): string {
  return join(projectDir, '.local', `${BOOTSTRAP_LOCAL_STATE}.last-good`);
}

function parsed(text: string): LocalState | undefined {
  try {
    const state = JSON.parse(text) as unknown;
    return typeof state === 'object' && state !== null && 'version' in state ? (state as LocalState) : undefined;
  } catch {
    return undefined;
  }
}

/** Linux's table of file locks (/proc/locks), empty where there is none. */
function readLocks(): string {
  return existsSync('/proc/locks') ? readFileSync('/proc/locks', 'utf8') : '';
}

/**
 * The pid holding a POSIX lock on `file` in `locks` (/proc/locks lines such as `1: POSIX  ADVISORY  WRITE 20640
 * fe:00:2148544 0 EOF`: the device as hex major:minor, the inode), the lock Terraform takes on its local state.
 */
function lockHolder(locks: string, file: string): string | undefined {
  const { dev, ino } = statSync(file);
  const device = `${((dev >> 8) & 0xfff).toString(16).padStart(2, '0')}:${((dev & 0xff) | ((dev >> 12) & 0xfff00)).toString(16).padStart(2, '0')}:${ino}`;
  return locks
    .split('\n')
    .map((line) => line.split(/\s+/))
    .find((fields) => fields[1] === 'POSIX' && fields[5] === device)?.[4];
}

/**
 * The bootstrap's local state, made usable: a valid one is copied to the last good copy (kept until the next run
 * finds a valid state again, so it outlives the apply that rewrites the file); an empty or not-JSON one (a kill
 * while Terraform wrote it) is replaced by the last good copy, or set aside when there is none. Every state file
 * is made 0600: it holds the resources' attributes.
 */
export function recoverLocalState(projectDir: string): LocalState | undefined {
  const file = join(projectDir, BOOTSTRAP_LOCAL_STATE);
  const holder = existsSync(file) ? lockHolder(readLocks(), file) : undefined;
  if (holder !== undefined) {
    // A run in progress, not an interrupted one: its state is still being written and its key may be in no state
    // yet, so replacing the file or retiring keys would break that run (and its lock would not stop this one).
    throw new UserError(
      `${BOOTSTRAP_LOCAL_STATE} is locked by a running terraform (pid ${holder}): wait for that run to end before deploying bootstrap again, the operating system releases the lock when it exits`,
    );
  }
  for (const path of [file, `${file}.backup`]) if (existsSync(path)) chmodSync(path, PRIVATE);
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  const state = parsed(text);
  const lastGood = lastGoodStatePath(projectDir);
  mkdirSync(join(projectDir, '.local'), { recursive: true });
  if (state !== undefined) {
    writeFileSync(lastGood, text, { mode: PRIVATE });
    chmodSync(lastGood, PRIVATE);
    return state;
  }
  const empty = text.trim() === '';
  const what = empty ? 'empty' : 'not a Terraform state (not JSON)';
  if (existsSync(lastGood)) {
    writeFileSync(file, readFileSync(lastGood), { mode: PRIVATE });
    progress(`${BOOTSTRAP_LOCAL_STATE} was ${what} (an interrupted run): restored its last good copy (${lastGood})`);
    return parsed(readFileSync(lastGood, 'utf8'));
  }
  const broken = join(projectDir, '.local', `${BOOTSTRAP_LOCAL_STATE}.broken`);
  if (empty) rmSync(file);
  else renameSync(file, broken);
  progress(
    `${BOOTSTRAP_LOCAL_STATE} was ${what} (an interrupted run) and has no last good copy: starting from no state${empty ? '' : `, the file kept as ${broken}`}`,
  );
  return undefined;
}

function ours(tags: Record<string, string> | undefined, config: BackendConfig): boolean {
  return Object.entries(projectTags(config.bucket)).every(([key, value]) => tags?.[key] === value);
}

const named = (error: unknown, ...names: string[]) => names.includes((error as { name?: string }).name ?? '');
const tagMap = (list: readonly { Key?: string; Value?: string; TagKey?: string; TagValue?: string }[] | undefined) =>
  Object.fromEntries((list ?? []).map((tag) => [tag.Key ?? tag.TagKey, tag.Value ?? tag.TagValue]));

async function keyTags(clients: AwsClients, keyId: string): Promise<Record<string, string>> {
  return tagMap((await clients.kms.send(new ListResourceTagsCommand({ KeyId: keyId }))).Tags);
}

/** Every item of a KMS list (aliases, keys), which is paged by a marker. */
async function paged<T>(
  page: (marker: string | undefined) => Promise<{ items?: T[]; Truncated?: boolean; NextMarker?: string }>,
): Promise<T[]> {
  const all: T[] = [];
  let marker: string | undefined;
  do {
    const { items, Truncated, NextMarker } = await page(marker);
    all.push(...(items ?? []));
    marker = Truncated ? NextMarker : undefined;
  } while (marker !== undefined);
  return all;
}

const aliases = (clients: AwsClients) =>
  paged((Marker) =>
    clients.kms.send(new ListAliasesCommand({ Marker })).then((page) => ({ ...page, items: page.Aliases })),
  );
const keys = (clients: AwsClients) =>
  paged((Marker) => clients.kms.send(new ListKeysCommand({ Marker })).then((page) => ({ ...page, items: page.Keys })));

type Account = { readonly id: string; readonly partition: string };

/**
 * What to import for `resource` ([address, id] pairs): nothing when it does not exist, the resource when it exists
 * and carries this project's tags (for an alias, its key too); a refusal when it exists without them.
 */
async function importsFor(
  clients: AwsClients,
  config: BackendConfig,
  resource: Missing,
  account: () => Promise<Account>,
): Promise<[string, string][]> {
  let tags: Record<string, string> = {};
  let imports: [string, string][] = [[resource.address, resource.name]];
  try {
    if (resource.type === 'aws_s3_bucket') {
      if (!(await bucketExists(clients.s3, resource.name))) return [];
      tags = tagMap((await clients.s3.send(new GetBucketTaggingCommand({ Bucket: resource.name }))).TagSet);
    } else if (resource.type === 'aws_dynamodb_table') {
      const table = await clients.dynamodb.send(new DescribeTableCommand({ TableName: resource.name }));
      tags = tagMap(
        (await clients.dynamodb.send(new ListTagsOfResourceCommand({ ResourceArn: table.Table!.TableArn }))).Tags,
      );
    } else if (resource.type === 'aws_iam_policy') {
      const { id, partition } = await account();
      const arn = `arn:${partition}:iam::${id}:policy${resource.path}${resource.name}`;
      await clients.iam.send(new GetPolicyCommand({ PolicyArn: arn }));
      tags = tagMap((await clients.iam.send(new ListPolicyTagsCommand({ PolicyArn: arn }))).Tags);
      imports = [[resource.address, arn]];
    } else {
      const alias = (await aliases(clients)).find((entry) => entry.AliasName === resource.name);
      if (alias?.TargetKeyId === undefined) return [];
      tags = await keyTags(clients, alias.TargetKeyId);
      if (resource.keyAddress !== undefined) imports = [[resource.keyAddress, alias.TargetKeyId], ...imports];
    }
  } catch (error) {
    // A bucket without any tag (a 404 too), or another account's bucket (403): not ours.
    const notOurs = named(error, 'NoSuchTagSet') || httpStatus(error) === 403;
    if (!notOurs && (httpStatus(error) === 404 || named(error, 'ResourceNotFoundException', 'NoSuchEntityException')))
      return [];
    if (!notOurs) throw error;
  }
  if (ours(tags, config)) return imports;
  const tagged = Object.entries(projectTags(config.bucket))
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
  throw new UserError(
    `${resource.address}: ${resource.name} exists without this project's tags (${tagged}), so it is not taken over as left by an interrupted bootstrap; adopt it with ${SETTINGS.adopt.env}=true (the state bucket and the lock table), or choose another name`,
  );
}

/**
 * Refuses to start a local state by imports while the bucket holds the bootstrap's state: that is phase 3 run
 * without its setting (a clone, a CI job), and the imports would make a second state of the same resources.
 */
export async function refuseStateInBucket(s3: S3Client, config: BackendConfig): Promise<void> {
  if (!(await hasState(s3, config.bucket, config.bootstrapStateKey))) return;
  throw new UserError(
    `${BOOTSTRAP_LOCAL_STATE} holds no state and s3://${config.bucket}/${config.bootstrapStateKey} does (phase 3): importing every resource into a new local state would make a second state of them; deploy with ${SETTINGS.bootstrapBackend.env}=s3 (keep it in tfstate.config.json)`,
  );
}

/** Bound of each terraform init and import: a provider start and a few requests. */
const TERRAFORM_TIMEOUT_MS = 180_000;

async function terraform(
  dir: string,
  env: NodeJS.ProcessEnv,
  command: string,
  args: readonly string[] = [],
): Promise<void> {
  // Terraform reads flags only before the arguments.
  const result = await run('terraform', [command, '-input=false', '-no-color', ...args], {
    cwd: dir,
    env,
    timeoutMs: TERRAFORM_TIMEOUT_MS,
  });
  if (result.code === 0) return;
  const error =
    firstError(result.output) ??
    (result.timedOut ? 'timed out' : `exit ${result.code}: ${result.output.trim().split('\n')[0]}`);
  throw new UserError(`terraform ${command} ${args.join(' ')} (recovering an interrupted bootstrap) failed: ${error}`);
}

/**
 * Schedules the deletion (7 days, the minimum) of every enabled customer key in `region` that carries this project's
 * tags and that no state knows of: a key created by a killed run, which would otherwise be billed for good.
 */
async function retireStrayKeys(clients: AwsClients, config: BackendConfig, known: Set<string>): Promise<void> {
  for (const { KeyId: keyId } of await keys(clients)) {
    if (keyId === undefined || known.has(keyId)) continue;
    const { KeyMetadata: key } = await clients.kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    if (key?.KeyState !== 'Enabled' || key.KeyManager !== 'CUSTOMER' || !ours(await keyTags(clients, keyId), config))
      continue;
    await clients.kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
    progress(
      `KMS key ${keyId} is tagged for ${config.bucket} and in no state (created by an interrupted run): deletion scheduled in 7 days (the minimum); to keep it: aws kms cancel-key-deletion --key-id ${keyId}`,
    );
  }
}

/**
 * Before `cdktf deploy bootstrap` with local state: the state made usable (recoverLocalState), the stack synthesized,
 * and what an interrupted run created taken under management (see the file's head). Nothing to do costs the synth.
 */
export async function recoverBootstrap(
  config: BackendConfig,
  projectDir: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const before = recoverLocalState(projectDir);
  buildApp(config, new App({ outdir: join(projectDir, 'cdktf.out') })).synth();
  const dir = stackDir(projectDir, 'bootstrap');
  const stack = JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8')) as SynthesizedStack;
  const { missing, keyRegions } = missingFromState(stack, before);
  const clients = new Map<string, AwsClients>();
  const clientsIn = (region: string) =>
    clients.get(region) ?? clients.set(region, awsClients(region, config.endpoint)).get(region)!;
  let caller: Promise<Account> | undefined;
  const account = () =>
    (caller ??= clientsIn(config.region)
      .sts.send(new GetCallerIdentityCommand({}))
      .then(({ Account: id, Arn: arn }) => ({ id: id!, partition: arn!.split(':')[1] })));
  const imports: [string, string][] = [];
  for (const resource of missing)
    imports.push(...(await importsFor(clientsIn(resource.region), config, resource, account)));
  if (imports.length > 0 && before === undefined) await refuseStateInBucket(clientsIn(config.region).s3, config);
  if (imports.length > 0) await terraform(dir, env, 'init');
  for (const [address, id] of imports) {
    await terraform(dir, env, 'import', [address, id]);
    progress(
      `${address}: ${id} exists with this project's tags (created by an interrupted run): imported into ${BOOTSTRAP_LOCAL_STATE}`,
    );
  }
  if (keyRegions.length === 0) return;
  const known = stateIds(
    parsed(
      existsSync(join(projectDir, BOOTSTRAP_LOCAL_STATE))
        ? readFileSync(join(projectDir, BOOTSTRAP_LOCAL_STATE), 'utf8')
        : '',
    ),
  );
  if (config.kmsKeyArn !== undefined) known.add(config.kmsKeyArn.slice(config.kmsKeyArn.lastIndexOf('/') + 1));
  for (const region of keyRegions) await retireStrayKeys(clientsIn(region), config, known);
}
