import { BackendConfig } from './types';

/** Endpoint overrides for an S3-compatible emulator, in the S3 backend's own attribute names. */
export interface EmulatorBackendSettings {
  readonly endpoints: { readonly s3: string; readonly dynamodb: string; readonly iam: string; readonly sts: string };
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
    // Emulators serve every bucket on one host, so virtual-hosted addressing cannot resolve.
    use_path_style: true,
    // No real account, IMDS or region list behind an emulator.
    skip_credentials_validation: true,
    skip_requesting_account_id: true,
    skip_metadata_api_check: true,
    skip_region_validation: true,
  };
}

/** Lines to print at synth about where the output differs from what real AWS gets. */
export function emulatorWarnings(config: BackendConfig): string[] {
  if (config.endpoint === undefined) return [];
  return [
    `warning: AWS_ENDPOINT_URL=${config.endpoint}: the bucket policies' conditional deny statements (deny-without-TLS, deny uploads not encrypted with the state key) are left out, because emulators such as moto evaluate policy statements without their conditions and would refuse every request; the buckets' EventBridge notifications are left out too, because moto does not read them back (every plan would show a change); real AWS keeps them all.`,
    ...(config.replica
      ? [
          `warning: AWS_ENDPOINT_URL=${config.endpoint}: replication to ${config.replica.region} is configured without its SSE-KMS source selection, which moto does not read back; moto stores the replication configuration but copies no object, so the replica stays empty there.`,
        ]
      : []),
    `warning: AWS_ENDPOINT_URL=${config.endpoint}: the buckets' lifecycle configurations (noncurrent-version and log expiry) are left out, because AWS provider 5.100 waits about 55 s for each to settle and emulators never run lifecycle rules; real AWS keeps them.`,
  ];
}
