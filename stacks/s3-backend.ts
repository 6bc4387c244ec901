import { S3Backend, type TerraformStack } from 'cdktf';
import { backendSettings } from '../config/backend';
import type { BackendConfig } from '../config/types';

/**
 * Points a stack's state at the state bucket. cdktf 0.21's S3Backend has no use_lockfile, so every
 * attribute except the two it requires goes through the override escape hatch, in Terraform's own
 * names: the same map the bootstrap outputs and the export command print.
 */
export function useStateBucket(stack: TerraformStack, config: BackendConfig, key: string): S3Backend {
  const { bucket, key: stateKey, ...rest } = backendSettings(config, key);
  const backend = new S3Backend(stack, { bucket, key: stateKey });
  for (const [name, value] of Object.entries(rest)) backend.addOverride(name, value);
  return backend;
}
