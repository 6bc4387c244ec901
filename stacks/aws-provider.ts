import { AwsProvider, type AwsProviderConfig } from '@cdktf/provider-aws/lib/provider';
import type { Construct } from 'constructs';
import { EMULATOR_CREDENTIALS } from '../config/backend';
import { projectTags } from '../config/naming';
import type { BackendConfig } from '../config/types';

/**
 * Tags every resource of this project carries: the project's own and the user's (TFSTATE_TAGS; validation
 * keeps the keys apart). As provider default_tags they go into each create call, so an SCP that denies
 * untagged creates is satisfied from the first apply.
 */
export function defaultTags(config: BackendConfig): Record<string, string> {
  return { ...projectTags(config.bucket), ...config.tags };
}

/** AWS provider settings: the region, and with an emulator endpoint every service this project uses points there. */
export function awsProviderConfig(config: BackendConfig, region = config.region): AwsProviderConfig {
  const base: AwsProviderConfig = { region, defaultTags: [{ tags: defaultTags(config) }] };
  if (config.endpoint === undefined) return base;
  const url = config.endpoint;
  return {
    ...base,
    endpoints: [{ s3: url, dynamodb: url, kms: url, iam: url, sts: url, ec2: url }],
    accessKey: EMULATOR_CREDENTIALS.accessKeyId,
    secretKey: EMULATOR_CREDENTIALS.secretAccessKey,
    s3UsePathStyle: true,
    skipCredentialsValidation: true,
    skipRequestingAccountId: true,
    skipMetadataApiCheck: 'true',
    skipRegionValidation: true,
  };
}

export function addAwsProvider(scope: Construct, config: BackendConfig): AwsProvider {
  return new AwsProvider(scope, 'aws', awsProviderConfig(config));
}

/** A second, aliased provider for the replica region (cross-region replication). */
export function addReplicaAwsProvider(scope: Construct, config: BackendConfig, region: string): AwsProvider {
  return new AwsProvider(scope, 'aws-replica', { ...awsProviderConfig(config, region), alias: 'replica' });
}
