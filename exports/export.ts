// The export command's logic, apart from argv and stdout so it is tested directly.

import { backendSettings, type S3BackendSettings } from '../config/backend';
import { appStackName, projectStateKeyPatterns, stackStateKey } from '../config/naming';
import { accountIdRule, profileNameRule, roleArnRule, stateKeyRule } from '../config/rules';
import { SETTINGS } from '../config/settings';
import { stateResources } from '../config/state-resources';
import type { BackendConfig } from '../config/types';
import { UsageError, UserError } from '../errors';
import { tableArn } from '../iam/arn';
import { type PolicyDocument, policyDocument } from '../iam/document';
import { ACCESS_LEVELS, type AccessLevel, accessLevelStatements, type StateResources } from '../iam/state-access';
import { accountOfArn, type DeployedBackend } from './deployed';
import { type ExportCredentials, renderJson, renderKops, renderLokomotive, renderTerraform } from './render';

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
  /** Settings for a principal of this (other) account: the key and the table by ARN. */
  readonly forAccount?: string;
  /** A role to assume for the state (Terraform's assume_role, the AWS SDK's AWS_ROLE_ARN for kOps). */
  readonly roleArn?: string;
  /** A named AWS profile (Terraform's profile, AWS_PROFILE for kOps). */
  readonly profile?: string;
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

function flagChoice<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new UsageError(`${flag} ${JSON.stringify(value)}: must be one of ${allowed.join(', ')}`);
  return value as T;
}

/**
 * The account that owns the backend: TFSTATE_ACCOUNT_ID, else the deployed key's account, else `*` (an
 * export before deploy, which then names no account).
 */
export function ownerAccount(config: BackendConfig, deployed: DeployedBackend): string {
  const fromKey = deployed.keyArn === undefined ? undefined : accountOfArn(deployed.keyArn);
  if (config.accountId !== undefined && fromKey !== undefined && fromKey !== config.accountId) {
    throw new UsageError(
      `${SETTINGS.accountId.env}=${JSON.stringify(config.accountId)}: the deployed bootstrap's key ${deployed.keyArn} is in account ${fromKey}`,
    );
  }
  return config.accountId ?? fromKey ?? '*';
}

/** The access-level policy over the given keys (all of the project's when none), with the owner's ARNs. */
export function exportedPolicy(
  resources: StateResources,
  config: BackendConfig,
  level: AccessLevel,
  keys?: readonly string[],
): PolicyDocument {
  return policyDocument(
    accessLevelStatements(resources, level, keys ?? projectStateKeyPatterns(config), config.kopsPrefix),
  );
}

/** Backend settings another account can use: KMS and DynamoDB resolve names in the caller's account, ARNs anywhere. */
function forOtherAccount(
  settings: S3BackendSettings,
  config: BackendConfig,
  owner: string,
  deployed: DeployedBackend,
  forAccount: string,
): S3BackendSettings {
  const broken = accountIdRule(forAccount);
  if (broken) throw new UsageError(`--for-account ${JSON.stringify(forAccount)}: ${broken}`);
  if (deployed.keyArn === undefined) {
    // The command line is right; the deployment is missing: exit 1, and no synopsis to reread.
    throw new UserError(
      `--for-account ${forAccount}: needs the ARN of the state's KMS key, which exists once bootstrap is deployed (output kms_key_arn); deploy bootstrap first, from this folder`,
    );
  }
  return {
    ...settings,
    kms_key_id: deployed.keyArn,
    ...(config.lockTable !== undefined ? { dynamodb_table: tableArn(config.region, owner, config.lockTable) } : {}),
  };
}

/** What a format renders from: the request, the settings of its state key (for another account's too), its resources. */
interface FormatInput {
  readonly config: BackendConfig;
  readonly request: ExportRequest;
  readonly key: string;
  readonly settings: S3BackendSettings;
  readonly credentials: ExportCredentials;
  readonly resources: StateResources;
}

/** The formats of --format: how each renders, and whether it names ARNs only the deployed bootstrap can tell. */
const FORMATS: Record<string, { readonly deployed?: boolean; readonly render: (input: FormatInput) => string }> = {
  terraform: { render: ({ settings }) => renderTerraform(settings) },
  lokomotive: {
    render: ({ settings, request, credentials }) => {
      if (credentials.roleArn || credentials.profile) {
        throw new UsageError(
          `--format lokomotive: a .lokocfg backend takes credentials only as a file (--aws-creds-path), not ${credentials.roleArn ? '--role-arn' : '--profile'}`,
        );
      }
      return renderLokomotive(settings, { awsCredsPath: request.awsCredsPath });
    },
  },
  kops: { render: ({ config, credentials }) => renderKops(config, credentials) },
  json: {
    deployed: true,
    render: ({ config, settings, resources }) =>
      renderJson(
        config,
        settings,
        Object.fromEntries(ACCESS_LEVELS.map((level) => [level, exportedPolicy(resources, config, level)])),
      ),
  },
  policy: {
    deployed: true,
    render: ({ config, request, key, resources }) => {
      const level = flagChoice<AccessLevel>('--level', request.level ?? 'read-write', ACCESS_LEVELS);
      const keys = request.key !== undefined || request.stack !== undefined ? [key] : undefined;
      return `${JSON.stringify(exportedPolicy(resources, config, level, keys), null, 2)}\n`;
    },
  },
};

/** The names --format takes, the default first. */
export const EXPORT_FORMATS = Object.keys(FORMATS);

/** Whether the request names ARNs that only the deployed bootstrap can tell (so the command reads its outputs). */
export function needsDeployed(request: ExportRequest): boolean {
  const format = request.format ?? '';
  return request.forAccount !== undefined || (Object.hasOwn(FORMATS, format) && FORMATS[format].deployed === true);
}

/** Renders the requested consumer's settings from the config (and the deployed bootstrap's outputs, when known). */
export function exportSettings(config: BackendConfig, request: ExportRequest, deployed: DeployedBackend = {}): string {
  const format = flagChoice('--format', request.format ?? 'terraform', EXPORT_FORMATS);
  let key = stackStateKey(config, request.stack ?? appStackName());
  if (request.key !== undefined) {
    const broken = stateKeyRule(request.key);
    if (broken) throw new UsageError(`--key ${JSON.stringify(request.key)}: ${broken}`);
    key = request.key;
  }
  const owner = ownerAccount(config, deployed);
  const resources = stateResources(config, { accountId: owner, keyArn: deployed.keyArn });
  const credentials = credentialsOf(request);
  const ownSettings = {
    ...backendSettings(config, key),
    ...(credentials.roleArn ? { assume_role: { role_arn: credentials.roleArn } } : {}),
    ...(credentials.profile ? { profile: credentials.profile } : {}),
  };
  const settings =
    request.forAccount === undefined
      ? ownSettings
      : forOtherAccount(ownSettings, config, owner, deployed, request.forAccount);
  return FORMATS[format].render({ config, request, key, settings, credentials, resources });
}
