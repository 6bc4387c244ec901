// The export command's logic, apart from argv and stdout so it is tested directly.
import { backendSettings } from '../config/backend';
import { appStackName, environmentStateKey } from '../config/naming';
import { ACCESS_LEVELS, AccessLevel, statePolicyDocument } from '../config/policies';
import { profileNameRule, roleArnRule, stateKeyRule } from '../config/rules';
import { BackendConfig } from '../config/types';
import { EXPORT_FORMATS, ExportFormat, renderJson, renderKops, renderLokomotive, renderTerraform } from './render';

export interface ExportRequest {
  readonly format?: string;
  /** Stack whose state key to use: app (default), app-<env> or bootstrap. */
  readonly stack?: string;
  /** An explicit state key, e.g. for a Lokomotive cluster; wins over the stack's. */
  readonly key?: string;
  /** Lokomotive only: aws_creds_path. */
  readonly awsCredsPath?: string;
  /** policy only: which access level. */
  readonly level?: string;
  /** A role to assume for the state (Terraform's assume_role, the AWS SDK's AWS_ROLE_ARN for kOps). */
  readonly roleArn?: string;
  /** A named AWS profile (Terraform's profile, AWS_PROFILE for kOps). */
  readonly profile?: string;
}

/** A mistake in the command's own arguments; printed as one line. */
export class UsageError extends Error {}

/** The state key a stack of this project uses. */
export function stackStateKey(config: BackendConfig, stack: string): string {
  if (stack === 'bootstrap') return config.bootstrapStateKey;
  if (stack === appStackName()) return config.stateKey;
  const environment = config.environments.find((name) => appStackName(name) === stack);
  if (environment === undefined) {
    const known = ['bootstrap', appStackName(), ...config.environments.map((name) => appStackName(name))];
    throw new UsageError(`--stack ${JSON.stringify(stack)}: not a stack of this project (one of ${known.join(', ')})`);
  }
  return environmentStateKey(config.environmentKeyPrefix, environment);
}

/** --role-arn and --profile, validated. */
function credentialsOf(request: ExportRequest): { roleArn?: string; profile?: string } {
  for (const [flag, value, rule] of [
    ['--role-arn', request.roleArn, roleArnRule],
    ['--profile', request.profile, profileNameRule],
  ] as const) {
    const broken = value === undefined ? undefined : rule(value);
    if (broken) throw new UsageError(`${flag} ${JSON.stringify(value)}: ${broken}`);
  }
  return { roleArn: request.roleArn, profile: request.profile };
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${flag} ${JSON.stringify(value)}: must be one of ${allowed.join(', ')}`);
  return value as T;
}

/** Renders the requested consumer's settings from the config. */
export function exportSettings(config: BackendConfig, request: ExportRequest): string {
  const format = oneOf<ExportFormat>('--format', request.format ?? 'terraform', EXPORT_FORMATS);
  let key = stackStateKey(config, request.stack ?? appStackName());
  if (request.key !== undefined) {
    const broken = stateKeyRule(request.key);
    if (broken) throw new UsageError(`--key ${JSON.stringify(request.key)}: ${broken}`);
    key = request.key;
  }
  const credentials = credentialsOf(request);
  const settings = { ...backendSettings(config, key), ...(credentials.roleArn ? { assume_role: { role_arn: credentials.roleArn } } : {}), ...(credentials.profile ? { profile: credentials.profile } : {}) };
  switch (format) {
    case 'terraform':
      return renderTerraform(settings);
    case 'lokomotive':
      if (credentials.roleArn || credentials.profile) {
        throw new UsageError(`--format lokomotive: a .lokocfg backend takes credentials only as a file (--aws-creds-path), not ${credentials.roleArn ? '--role-arn' : '--profile'}`);
      }
      return renderLokomotive(settings, { awsCredsPath: request.awsCredsPath });
    case 'kops':
      return renderKops(config, credentials);
    case 'json':
      return renderJson(config, settings);
    case 'policy': {
      const level = oneOf<AccessLevel>('--level', request.level ?? 'read-write', ACCESS_LEVELS);
      const scope = request.key !== undefined || request.stack !== undefined ? { keys: [key] } : {};
      return `${JSON.stringify(statePolicyDocument(config, level, scope), null, 2)}\n`;
    }
  }
}
