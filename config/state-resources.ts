// The backend's resources as the IAM builders take them, from the config plus what only AWS knows (the
// account id and the key's ARN): tokens in the bootstrap stack, concrete values or patterns in exports.

import { bucketArn, kmsArn, tableArn } from '../iam/arn';
import type { StateResources } from '../iam/state-access';
import type { BackendConfig } from './types';

export interface BackendOwner {
  /** Account that owns bucket, table and key; `*` when not known (an export before deploy, without the accountId setting). */
  readonly accountId: string;
  /** @default any key of the account that carries the state alias (kms:ResourceAliases) */
  readonly keyArn?: string;
}

export function stateResources(config: BackendConfig, owner: BackendOwner): StateResources {
  return {
    region: config.region,
    bucketName: config.bucket,
    bucketArn: bucketArn(config.region, config.bucket),
    keyArn: owner.keyArn ?? kmsArn(config.region, owner.accountId, 'key/*'),
    keyAlias: owner.keyArn === undefined ? config.kmsAlias : undefined,
    tableArn: config.lockTable === undefined ? undefined : tableArn(config.region, owner.accountId, config.lockTable),
    lockfiles: config.locking !== 'dynamodb',
  };
}
