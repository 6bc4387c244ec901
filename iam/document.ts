// The one statement type of every policy the project writes (identity, bucket, key, table, trust), and
// AWS's size limits for them. Builders in this folder are pure functions of ARNs and names.
import { ConfigError } from '../errors';

/** One IAM policy statement, in the JSON form IAM, S3, KMS and DynamoDB take. */
export interface Statement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  /** Absent in identity policies; present in resource policies. */
  readonly Principal?:
    | '*'
    | { readonly AWS?: string | readonly string[]; readonly Service?: string | readonly string[] };
  readonly Action: string | readonly string[];
  /** Absent only in trust (assume-role) policies. */
  readonly Resource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly Statement[];
}

export function policyDocument(statements: readonly Statement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

export function policyJson(statements: readonly Statement[]): string {
  return JSON.stringify(policyDocument(statements));
}

/** The same statements granted to the given principals (a resource policy from identity statements). */
export function withPrincipals(
  statements: readonly Statement[],
  principals: readonly string[],
  sidPrefix: string,
): Statement[] {
  return statements.map((statement) => ({
    ...statement,
    Sid: `${sidPrefix}${statement.Sid}`,
    Principal: { AWS: [...principals] },
  }));
}

/** AWS's size limits, in characters without whitespace (IAM's measure, used for every document). */
export const POLICY_LIMITS = {
  'managed policy': 6_144,
  'bucket policy': 20_480,
  'key policy': 32_768,
  'table resource policy': 20_480,
} as const;
export type PolicyKind = keyof typeof POLICY_LIMITS;

/**
 * A Terraform reference such as an ARN known only at apply (`${aws_kms_key.x.arn}` or cdktf's token text)
 * counts as this many characters: longer than any key, alias or table ARN AWS issues, so a document that
 * passes here fits once Terraform fills the references in.
 */
export const REFERENCE_SIZE = 200;

/** Size of a policy document as AWS counts it. */
export function policySize(json: string): number {
  const references = json.match(/\$\{[^}]*\}/g) ?? [];
  const withoutReferences = references.reduce((text, reference) => text.replace(reference, ''), json);
  return withoutReferences.replace(/\s/g, '').length + references.length * REFERENCE_SIZE;
}

/**
 * Refuses, with one line, a document AWS would reject at deploy (moto accepts any size): what it is, its
 * size, the limit and the settings that make it grow.
 */
export function checkPolicySize(name: string, kind: PolicyKind, json: string, growsWith: string): void {
  const size = policySize(json);
  const limit = POLICY_LIMITS[kind];
  if (size > limit) {
    throw new ConfigError([
      `${name}: ${size} characters, over AWS's limit of ${limit} for a ${kind}; it grows with ${growsWith}`,
    ]);
  }
}
