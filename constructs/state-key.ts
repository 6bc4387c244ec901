import { Construct } from 'constructs';
import { TerraformProvider } from 'cdktf';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { policyJson, Statement } from '../iam/document';
import { keyPolicyStatements } from '../iam/resource-policies';

export interface StateKeyProps {
  /** Alias (`alias/...`) the backends use to name the key, so no stack needs the key's ARN. */
  readonly alias: string;
  /**
   * ARN of the account root (`arn:<partition>:iam::<account>:root`). The key policy names it, which lets the
   * account's IAM policies (the state users' policies) grant use of the key; no other principal is implied.
   */
  readonly accountRootArn: string;
  /** Statements appended to the key policy (e.g. named cross-account principals). @default none */
  readonly additionalPolicyStatements?: readonly Statement[];
  /** Waiting period before a scheduled deletion takes effect. @default 30 (the maximum) */
  readonly deletionWindowInDays?: number;
  /** Adds lifecycle prevent_destroy to the key and its alias. @default true */
  readonly preventDestroy?: boolean;
  /** Provider to create key and alias with (another region). @default the stack's default AWS provider */
  readonly provider?: TerraformProvider;
}

/** A customer managed KMS key with an explicit key policy (no wildcard principal) and yearly rotation. */
export class StateKey extends Construct {
  readonly key: KmsKey;
  readonly alias: KmsAlias;
  readonly policyJson: string;

  constructor(scope: Construct, id: string, props: StateKeyProps) {
    super(scope, id);
    const lifecycle = { preventDestroy: props.preventDestroy ?? true };
    this.policyJson = policyJson(keyPolicyStatements(props.accountRootArn, props.additionalPolicyStatements ?? []));
    this.key = new KmsKey(this, 'key', {
      provider: props.provider,
      description: `Terraform state (${props.alias})`,
      enableKeyRotation: true,
      deletionWindowInDays: props.deletionWindowInDays ?? 30,
      policy: this.policyJson,
      lifecycle,
    });
    this.alias = new KmsAlias(this, 'alias', { provider: props.provider, name: props.alias, targetKeyId: this.key.keyId, lifecycle });
  }
}
