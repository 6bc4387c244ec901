// ARNs derived from names alone, so policies and exported settings need no AWS call.

/** AWS partition of a region (aws, aws-cn, aws-us-gov, the isolated and sovereign partitions). */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-isof-')) return 'aws-iso-f';
  if (region.startsWith('eu-isoe-')) return 'aws-iso-e';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('eusc-')) return 'aws-eusc';
  return 'aws';
}

export function bucketArn(region: string, bucket: string): string {
  return `arn:${partitionOf(region)}:s3:::${bucket}`;
}

export function objectArn(region: string, bucket: string, key: string): string {
  return `${bucketArn(region, bucket)}/${key}`;
}

/** The root of an account: in a policy it delegates to that account's own IAM policies. */
export function accountRootArn(region: string, accountId: string): string {
  return `arn:${partitionOf(region)}:iam::${accountId}:root`;
}

export function tableArn(region: string, accountId: string, table: string): string {
  return `arn:${partitionOf(region)}:dynamodb:${region}:${accountId}:table/${table}`;
}

export function kmsArn(region: string, accountId: string, resource: string): string {
  return `arn:${partitionOf(region)}:kms:${region}:${accountId}:${resource}`;
}

/** A principal setting as an ARN: a bare account id means that account's root (the account delegates to its own IAM). */
export function principalArn(region: string, principal: string): string {
  return /^\d{12}$/.test(principal) ? accountRootArn(region, principal) : principal;
}
