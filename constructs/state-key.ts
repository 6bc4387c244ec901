import { Construct } from 'constructs';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';

export interface StateKeyProps {
  /** Alias (`alias/...`) the backends use to name the key, so no stack needs the key's ARN. */
  readonly alias: string;
  /** Waiting period before a scheduled deletion takes effect. @default 30 (the maximum) */
  readonly deletionWindowInDays?: number;
  /** Adds lifecycle prevent_destroy to the key and its alias. @default true */
  readonly preventDestroy?: boolean;
}

/** The customer managed KMS key that encrypts state objects, the bucket and the lock table. Rotation is on. */
export class StateKey extends Construct {
  readonly key: KmsKey;
  readonly alias: KmsAlias;

  constructor(scope: Construct, id: string, props: StateKeyProps) {
    super(scope, id);
    const lifecycle = { preventDestroy: props.preventDestroy ?? true };
    this.key = new KmsKey(this, 'key', {
      description: `Terraform state (${props.alias})`,
      enableKeyRotation: true,
      deletionWindowInDays: props.deletionWindowInDays ?? 30,
      lifecycle,
    });
    this.alias = new KmsAlias(this, 'alias', { name: props.alias, targetKeyId: this.key.keyId, lifecycle });
  }
}
