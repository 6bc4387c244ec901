import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { Construct } from 'constructs';
import { policyJson } from '../iam/document';
import { ACCESS_LEVELS, type AccessLevel, accessLevelStatements, type StateResources } from '../iam/state-access';

export interface AccessPoliciesProps {
  /** Bucket, key and table the policies grant use of (ARNs may be Terraform references). */
  readonly resources: StateResources;
  /** State keys (or patterns) Terraform users may use. */
  readonly stateKeys: readonly string[];
  /** Folder of the kOps state store. */
  readonly kopsPrefix: string;
}

/** Name of the managed policy of an access level. */
export function statePolicyName(bucket: string, level: AccessLevel): string {
  return `${bucket}-state-${level}`;
}

/**
 * The least-privilege managed policies to attach to whoever uses the state: read-write for Terraform
 * runs, read-only for terraform_remote_state readers, and the kOps state store.
 */
export class AccessPolicies extends Construct {
  readonly policies: Readonly<Record<AccessLevel, IamPolicy>>;
  /** The policy documents, by access level. */
  readonly policyJson: Readonly<Record<AccessLevel, string>>;

  constructor(scope: Construct, id: string, props: AccessPoliciesProps) {
    super(scope, id);
    const policies = {} as Record<AccessLevel, IamPolicy>;
    const documents = {} as Record<AccessLevel, string>;
    const bucket = props.resources.bucketName;
    for (const level of ACCESS_LEVELS) {
      documents[level] = policyJson(accessLevelStatements(props.resources, level, props.stateKeys, props.kopsPrefix));
      policies[level] = new IamPolicy(this, level, {
        name: statePolicyName(bucket, level),
        description: `Terraform state in s3://${bucket}: ${level}`,
        policy: documents[level],
      });
    }
    this.policies = policies;
    this.policyJson = documents;
  }
}
