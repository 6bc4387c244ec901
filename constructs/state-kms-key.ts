import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import type { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { policyJson, type Statement } from '../iam/document';
import { type BucketKeyForms, kmsKeyPolicyStatements } from '../iam/resource-policies';

export interface StateKmsKeyProps {
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
  /**
   * ARN of an existing key to put the alias on instead of creating one; its key policy, rotation and
   * deletion stay with its owner (policy statements above are then not applied). @default a new key
   */
  readonly existingKeyArn?: string;
}

/** A customer managed KMS key with an explicit key policy (no wildcard principal) and yearly rotation. */
export class StateKmsKey extends Construct {
  /** The key this construct created; undefined when it was given an existing one. */
  readonly key: KmsKey | undefined;
  readonly keyArn: string;
  readonly keyId: string;
  readonly alias: KmsAlias;
  /** The key policy this construct wrote; undefined for an existing key, whose policy is its owner's. */
  readonly policyJson: string | undefined;
  private readonly aliasName: string;

  constructor(scope: Construct, id: string, props: StateKmsKeyProps) {
    super(scope, id);
    const lifecycle = { preventDestroy: props.preventDestroy ?? true };
    this.aliasName = props.alias;
    if (props.existingKeyArn === undefined) {
      this.policyJson = policyJson(
        kmsKeyPolicyStatements(props.accountRootArn, props.additionalPolicyStatements ?? []),
      );
      this.key = new KmsKey(this, 'key', {
        provider: props.provider,
        description: `Terraform state (${props.alias})`,
        enableKeyRotation: true,
        deletionWindowInDays: props.deletionWindowInDays ?? 30,
        policy: this.policyJson,
        lifecycle,
      });
      this.keyArn = this.key.arn;
      this.keyId = this.key.keyId;
    } else {
      this.keyArn = props.existingKeyArn;
      this.keyId = props.existingKeyArn.slice(props.existingKeyArn.lastIndexOf('/') + 1);
    }
    this.alias = new KmsAlias(this, 'alias', {
      provider: props.provider,
      name: props.alias,
      targetKeyId: this.keyId,
      lifecycle,
    });
  }

  /** The key in every form a client may name it in an upload, for a bucket of the owner account (upload denies). */
  uploadKeyForms(ownerAccountId: string): BucketKeyForms {
    return {
      keyArn: this.keyArn,
      keyId: this.keyId,
      aliasArn: this.alias.arn,
      aliasName: this.aliasName,
      ownerAccountId,
    };
  }
}
