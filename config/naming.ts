// Pure naming: every derived name comes from here, so app and bootstrap can never disagree.
import { UsageError } from '../errors';

/**
 * Stable default bucket name: the same project and region always give the same name, and projects
 * created with `cdktf init` (a random projectId each) do not collide in S3's global namespace.
 */
export function defaultBucketName(projectId: string, region: string): string {
  const seed = projectId
    .replace(/[^0-9a-f]/gi, '')
    .toLowerCase()
    .slice(0, 12);
  return `tfstate-${seed}-${region}`;
}

/** KMS aliases allow no dots; bucket names may have them. */
export function defaultKmsAlias(bucket: string): string {
  return `alias/${bucket.replace(/\./g, '-')}`;
}

/** State key of an environment's app stack. */
export function environmentStateKey(prefix: string, environment: string): string {
  return `${prefix}/${environment}/terraform.tfstate`;
}

/** The settings the list of stacks is derived from. */
export interface StackSettings {
  readonly stateKey: string;
  readonly bootstrapStateKey: string;
  readonly environments: readonly string[];
  readonly environmentKeyPrefix: string;
}

/** One stack of the project: its cdktf id and the state key its backend uses. */
export interface ProjectStack {
  readonly name: string;
  readonly stateKey: string;
  /** bootstrap creates the backend; every app stack keeps its state in it. */
  readonly kind: 'bootstrap' | 'app';
  /** The environment of an app-<env> stack. */
  readonly environment?: string;
}

/**
 * Every stack of the project, in deploy order: bootstrap, app, then one app-<env> per environment. The app, the
 * export command, the state and deploy commands and teardown all ask this one list.
 */
export function projectStacks(config: StackSettings): ProjectStack[] {
  return [
    { name: 'bootstrap', stateKey: config.bootstrapStateKey, kind: 'bootstrap' },
    { name: appStackName(), stateKey: config.stateKey, kind: 'app' },
    ...config.environments.map(
      (environment): ProjectStack => ({
        name: appStackName(environment),
        stateKey: environmentStateKey(config.environmentKeyPrefix, environment),
        kind: 'app',
        environment,
      }),
    ),
  ];
}

/** The state key a stack of this project uses; another name is a UsageError, worded in the domain's terms. */
export function stackStateKey(config: StackSettings, stack: string): string {
  const stacks = projectStacks(config);
  const found = stacks.find((candidate) => candidate.name === stack);
  if (found === undefined)
    throw new UsageError(
      `stack ${JSON.stringify(stack)}: not a stack of this project (one of ${stacks.map((known) => known.name).join(', ')})`,
    );
  return found.stateKey;
}

/** Every state key the project's app stacks write: the app's and each environment's. */
export function projectStateKeys(config: StackSettings): string[] {
  return projectStacks(config)
    .filter((stack) => stack.kind === 'app')
    .map((stack) => stack.stateKey);
}

/**
 * The state keys of every app stack as policy patterns: the default app's key and one pattern for every environment
 * of the prefix, listed or not, so adding or removing an environment never changes bootstrap (a user holding the
 * policies is not denied a new environment's key until a redeploy) and a policy stays the same size for 1 or 1,000
 * environments (IAM's "*" also matches "/", so the policies deny what lies deeper, see iam/key-patterns.ts; the
 * simulation tests check it).
 */
export function projectStateKeyPatterns(config: { stateKey: string; environmentKeyPrefix: string }): string[] {
  return [config.stateKey, environmentStateKey(config.environmentKeyPrefix, '*')];
}

/** The kOps state store URL. */
export function kopsStateStore(bucket: string, prefix: string): string {
  return `s3://${bucket}/${prefix}`;
}

/** Stack id of an environment's app stack; the default app stack is plain `app`. */
export function appStackName(environment?: string): string {
  return environment ? `app-${environment}` : 'app';
}

/** The digest item Terraform's DynamoDB locking keeps beside each state object. */
export function digestLockId(bucket: string, key: string): string {
  return `${bucket}/${key}-md5`;
}

/** The lock item Terraform writes while it holds a DynamoDB lock. */
export function lockItemId(bucket: string, key: string): string {
  return `${bucket}/${key}`;
}

/** The object Terraform writes while it holds an S3 lockfile. */
export function lockfileKey(key: string): string {
  return `${key}.tflock`;
}

/** Local state file of the bootstrap stack, relative to its working directory cdktf.out/stacks/bootstrap. */
export const BOOTSTRAP_LOCAL_STATE = 'terraform.bootstrap.tfstate';

/** Key prefix of a bucket's server access logs in the log bucket. */
export function accessLogPrefix(bucket: string): string {
  return `s3-access/${bucket}/`;
}

/** Tags the project puts on every resource it creates, so a stray one is easy to trace back. */
export function projectTags(bucket: string): Record<string, string> {
  return { ManagedBy: 'tfstate-backend', StateBucket: bucket };
}
