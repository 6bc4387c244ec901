import type { BackendConfig } from './types';

/**
 * Credentials an emulator accepts, never real ones: with an endpoint, every client of the project (the commands'
 * SDK clients, the provider, the backend) signs with these, so no access key or session token of the caller
 * reaches whatever listens at the endpoint.
 */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

/** Endpoint overrides for an S3-compatible emulator, in the S3 backend's own attribute names. */
export interface EmulatorBackendSettings {
  readonly endpoints: { readonly s3: string; readonly dynamodb: string; readonly iam: string; readonly sts: string };
  readonly access_key: string;
  readonly secret_key: string;
  readonly use_path_style: true;
  readonly skip_credentials_validation: true;
  readonly skip_requesting_account_id: true;
  readonly skip_metadata_api_check: true;
  readonly skip_region_validation: true;
}

/**
 * The `backend "s3"` attributes for one state key, in Terraform's own names: what the app stack
 * synthesizes, what the bootstrap stack outputs and what the export command prints.
 */
export interface S3BackendSettings extends Partial<EmulatorBackendSettings> {
  readonly bucket: string;
  readonly key: string;
  readonly region: string;
  readonly encrypt: true;
  readonly kms_key_id: string;
  readonly dynamodb_table?: string;
  readonly use_lockfile?: true;
  /** A role the backend assumes for every S3 and DynamoDB call (export only: the project's stacks use ambient credentials). */
  readonly assume_role?: { readonly role_arn: string };
  /** A named profile of the shared AWS config files (export only). */
  readonly profile?: string;
}

export function backendSettings(config: BackendConfig, key: string): S3BackendSettings {
  return {
    bucket: config.bucket,
    key,
    region: config.region,
    encrypt: true,
    kms_key_id: config.kmsAlias,
    ...(config.lockTable !== undefined ? { dynamodb_table: config.lockTable } : {}),
    ...(config.locking !== 'dynamodb' ? { use_lockfile: true as const } : {}),
    ...(config.endpoint !== undefined ? emulatorBackendSettings(config.endpoint) : {}),
  };
}

function emulatorBackendSettings(endpoint: string): EmulatorBackendSettings {
  return {
    endpoints: { s3: endpoint, dynamodb: endpoint, iam: endpoint, sts: endpoint },
    access_key: EMULATOR_CREDENTIALS.accessKeyId,
    secret_key: EMULATOR_CREDENTIALS.secretAccessKey,
    // Emulators serve every bucket on one host, so virtual-hosted addressing cannot resolve.
    use_path_style: true,
    // No real account, IMDS or region list behind an emulator.
    skip_credentials_validation: true,
    skip_requesting_account_id: true,
    skip_metadata_api_check: true,
    skip_region_validation: true,
  };
}
