// iam/arn.ts: the ARNs policies and exported settings name, written out for each partition.
import { accountRootArn, bucketArn, kmsArn, objectArn, partitionOf, principalArn, tableArn } from '../iam/arn';

describe('partitionOf', () => {
  test.each([
    ['us-east-1', 'aws'],
    ['eu-central-1', 'aws'],
    ['cn-north-1', 'aws-cn'],
    ['cn-northwest-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['us-iso-east-1', 'aws-iso'],
    ['us-isob-east-1', 'aws-iso-b'],
    ['us-isof-south-1', 'aws-iso-f'],
    ['eu-isoe-west-1', 'aws-iso-e'],
    ['eusc-de-east-1', 'aws-eusc'],
    // A prefix only counts at the start: these are commercial regions' look-alikes, not partitions.
    ['xcn-north-1', 'aws'],
    ['eu-cn-1', 'aws'],
    ['us-govx-1', 'aws'],
  ])('%s -> %s', (region, partition) => {
    expect(partitionOf(region)).toBe(partition);
  });
});

describe('ARNs by name', () => {
  test('the bucket and an object in it; S3 ARNs carry neither region nor account', () => {
    expect(bucketArn('us-east-1', 'team-state')).toBe('arn:aws:s3:::team-state');
    expect(bucketArn('cn-north-1', 'team-state')).toBe('arn:aws-cn:s3:::team-state');
    expect(objectArn('us-gov-west-1', 'team-state', 'app/terraform.tfstate')).toBe(
      'arn:aws-us-gov:s3:::team-state/app/terraform.tfstate',
    );
  });
  test('the lock table and a KMS resource name region and account', () => {
    expect(tableArn('eu-west-1', '123456789012', 'terraform-locks')).toBe(
      'arn:aws:dynamodb:eu-west-1:123456789012:table/terraform-locks',
    );
    expect(tableArn('cn-northwest-1', '123456789012', 'locks')).toBe(
      'arn:aws-cn:dynamodb:cn-northwest-1:123456789012:table/locks',
    );
    expect(kmsArn('us-east-1', '123456789012', 'alias/team-state')).toBe(
      'arn:aws:kms:us-east-1:123456789012:alias/team-state',
    );
    expect(kmsArn('us-iso-east-1', '123456789012', 'key/1234abcd-12ab-34cd-56ef-1234567890ab')).toBe(
      'arn:aws-iso:kms:us-iso-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    );
  });
  test('an account root, in the partition of the region', () => {
    expect(accountRootArn('us-east-1', '111122223333')).toBe('arn:aws:iam::111122223333:root');
    expect(accountRootArn('eusc-de-east-1', '111122223333')).toBe('arn:aws-eusc:iam::111122223333:root');
  });
});

describe('principalArn', () => {
  test.each([
    ['111122223333', 'us-east-1', 'arn:aws:iam::111122223333:root'],
    ['111122223333', 'us-gov-east-1', 'arn:aws-us-gov:iam::111122223333:root'],
    ['arn:aws:iam::111122223333:role/terraform', 'us-east-1', 'arn:aws:iam::111122223333:role/terraform'],
    // Only exactly twelve digits is an account id; anything else is passed on as the ARN it claims to be.
    ['11112222333', 'us-east-1', '11112222333'],
    ['1111222233334', 'us-east-1', '1111222233334'],
    ['x111122223333', 'us-east-1', 'x111122223333'],
    ['111122223333x', 'us-east-1', '111122223333x'],
  ])('%s in %s -> %s', (principal, region, arn) => {
    expect(principalArn(region, principal)).toBe(arn);
  });
});
