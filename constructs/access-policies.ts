import { Construct } from 'constructs';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { ACCESS_LEVELS, AccessLevel, statePolicyDocument, statePolicyName } from '../config/policies';
import { BackendConfig } from '../config/types';

export interface AccessPoliciesProps {
  /** The validated config: names, keys and locking mode decide every statement. */
  readonly config: BackendConfig;
  /** Account that owns the table and the key (a token of the caller identity is fine). */
  readonly accountId: string;
}

/**
 * The least-privilege managed policies to attach to whoever uses the state: read-write for Terraform
 * runs, read-only for terraform_remote_state readers, and the kOps state store.
 */
export class AccessPolicies extends Construct {
  readonly policies: Readonly<Record<AccessLevel, IamPolicy>>;

  constructor(scope: Construct, id: string, props: AccessPoliciesProps) {
    super(scope, id);
    const policies = {} as Record<AccessLevel, IamPolicy>;
    for (const level of ACCESS_LEVELS) {
      policies[level] = new IamPolicy(this, level, {
        name: statePolicyName(props.config, level),
        description: `Terraform state in s3://${props.config.bucket}: ${level}`,
        policy: JSON.stringify(statePolicyDocument(props.config, level, { accountId: props.accountId })),
      });
    }
    this.policies = policies;
  }
}
