// Pure renderers of the backend settings for each consumer in the seeds: Terraform's partial backend
// file, Lokomotive's backend block, kOps's state-store variables, and JSON. No AWS call is needed.
import type { S3BackendSettings } from '../config/backend';
import { kopsStateStore } from '../config/naming';
import type { BackendConfig } from '../config/types';
import type { PolicyDocument } from '../iam/document';

type HclValue = string | boolean | number | Readonly<Record<string, string>>;

/** Credentials a consumer uses for the state instead of its ambient ones. */
export interface ExportCredentials {
  readonly roleArn?: string;
  readonly profile?: string;
}

/** An HCL string literal: JSON escapes plus HCL's own template escapes, so a value is never interpolated. */
export function hclString(value: string): string {
  // In a replacement string "$$" is one "$".
  return JSON.stringify(value).replace(/\$\{/g, '$$$${').replace(/%\{/g, '%%{');
}

function hclValue(value: HclValue, indent: string): string {
  if (typeof value === 'string') return hclString(value);
  if (typeof value !== 'object') return String(value);
  const width = Math.max(...Object.keys(value).map((name) => name.length));
  const lines = Object.entries(value).map(([name, item]) => `${indent}  ${name.padEnd(width)} = ${hclString(item)}`);
  return `{\n${lines.join('\n')}\n${indent}}`;
}

/** `name = value` lines, aligned the way `terraform fmt` aligns them: per run of single-line attributes. */
function hclAttributes(attributes: Readonly<Record<string, HclValue | undefined>>, indent = ''): string[] {
  const present = Object.entries(attributes).filter((entry): entry is [string, HclValue] => entry[1] !== undefined);
  const runs: [string, HclValue][][] = [];
  for (const entry of present) {
    const multiLine = typeof entry[1] === 'object';
    if (multiLine || runs.length === 0 || typeof runs[runs.length - 1][0][1] === 'object') runs.push([entry]);
    else runs[runs.length - 1].push(entry);
  }
  return runs.flatMap((run) => {
    const width = Math.max(...run.map(([name]) => name.length));
    return run.map(([name, value]) => `${indent}${name.padEnd(width)} = ${hclValue(value, indent)}`);
  });
}

/** A partial backend file for `terraform init -backend-config=<file>` with an empty `backend "s3" {}` block. */
export function renderTerraform(settings: S3BackendSettings): string {
  return [
    `# Partial configuration of backend "s3" for: terraform init -backend-config=<this file>`,
    ...hclAttributes(settings as unknown as Record<string, HclValue>),
    '',
  ].join('\n');
}

export interface LokomotiveOptions {
  /** aws_creds_path of the block; omitted (credentials come from the environment) when undefined. */
  readonly awsCredsPath?: string;
}

/** The `backend "s3"` block of a Lokomotive `.lokocfg` file (its documented attributes only). */
export function renderLokomotive(settings: S3BackendSettings, options: LokomotiveOptions = {}): string {
  const notes: string[] = [];
  if (settings.dynamodb_table === undefined) {
    notes.push('# Note: lokoctl locks only through dynamodb_table; with TFSTATE_LOCKING=s3 this state is not locked.');
  }
  if (settings.endpoints !== undefined) {
    notes.push('# Note: a .lokocfg backend has no endpoint settings; this block works against real AWS only.');
  }
  const body = hclAttributes(
    {
      bucket: settings.bucket,
      key: settings.key,
      region: settings.region,
      aws_creds_path: options.awsCredsPath,
      dynamodb_table: settings.dynamodb_table,
    },
    '  ',
  );
  return [...notes, 'backend "s3" {', ...body, '}', ''].join('\n');
}

/** A POSIX shell single-quoted word. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * kOps state-store settings as shell exports (plus the config-file line), with S3_* for custom endpoints and
 * the credentials the AWS SDK inside kOps reads: AWS_PROFILE, and AWS_ROLE_ARN (used with a web identity token).
 */
export function renderKops(config: BackendConfig, credentials: ExportCredentials = {}): string {
  const store = kopsStateStore(config.bucket, config.kopsPrefix);
  const lines = [
    '# kOps state store; or put this line in $HOME/.kops/config:',
    `#   kops_state_store: ${store}`,
    `export KOPS_STATE_STORE=${shellQuote(store)}`,
  ];
  if (config.endpoint !== undefined) {
    lines.push(
      '# Custom S3-compatible endpoint: kOps reads these instead of the AWS SDK defaults.',
      `export S3_ENDPOINT=${shellQuote(config.endpoint)}`,
      `export S3_REGION=${shellQuote(config.region)}`,
      // Credentials are passed through by reference, never printed.
      'export S3_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID"',
      'export S3_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY"',
    );
  }
  if (credentials.profile !== undefined) {
    lines.push(
      '# The AWS SDK reads this profile from ~/.aws/config and ~/.aws/credentials (AWS_SDK_LOAD_CONFIG for SDK v1 builds).',
      `export AWS_PROFILE=${shellQuote(credentials.profile)}`,
      'export AWS_SDK_LOAD_CONFIG=1',
    );
  }
  if (credentials.roleArn !== undefined) {
    lines.push(
      '# The AWS SDK assumes AWS_ROLE_ARN with the web identity token in AWS_WEB_IDENTITY_TOKEN_FILE (CI with OIDC, IRSA);',
      `# elsewhere put role_arn = ${credentials.roleArn} and source_profile in a profile of ~/.aws/config and use --profile.`,
      `export AWS_ROLE_ARN=${shellQuote(credentials.roleArn)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Everything at once, for scripts: names, the backend settings, the kOps store and the policies. */
export function renderJson(
  config: BackendConfig,
  settings: S3BackendSettings,
  policies: Readonly<Record<string, PolicyDocument>>,
): string {
  const document = {
    bucket: config.bucket,
    region: config.region,
    lockTable: config.lockTable ?? null,
    locking: config.locking,
    kmsAlias: config.kmsAlias,
    backend: settings,
    kopsStateStore: kopsStateStore(config.bucket, config.kopsPrefix),
    policies,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
