import { Construct } from 'constructs';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { bucketArn } from '../config/arn';

/** One IAM policy statement, in the JSON form S3 bucket policies take. */
export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal: '*' | { readonly AWS: string | readonly string[] };
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Record<string, Record<string, string | boolean | readonly string[]>>;
}

export interface StateBucketProps {
  /** Bucket name (already validated against S3's naming rules). */
  readonly bucketName: string;
  /** Region of the bucket; decides the partition of its ARN. */
  readonly region: string;
  /** ARN of the customer managed key used for default encryption (with an S3 bucket key). */
  readonly kmsKeyArn: string;
  /** Days a noncurrent state version is kept. @default 90 */
  readonly noncurrentVersionDays?: number;
  /** Days before an unfinished multipart upload is aborted. @default 7 */
  readonly abortIncompleteUploadDays?: number;
  /** Deny every request not made over TLS. @default true (turned off only for emulators) */
  readonly enforceTls?: boolean;
  /** Adds lifecycle prevent_destroy to the bucket. @default true */
  readonly preventDestroy?: boolean;
  /**
   * Adds the lifecycle configuration (noncurrent-version expiry, multipart abort). @default true (turned off
   * only for emulators: AWS provider 5.100 then polls it for about 55 s, which no timeout setting shortens,
   * and emulators never run lifecycle rules anyway)
   */
  readonly lifecycleRules?: boolean;
}

/**
 * The versioned, KMS-encrypted, private state bucket: all four public-access blocks, ACLs off
 * (BucketOwnerEnforced), TLS-only policy, old versions expired, stale multipart uploads aborted.
 */
export class StateBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly versioning: S3BucketVersioningA;

  constructor(scope: Construct, id: string, props: StateBucketProps) {
    super(scope, id);
    this.bucket = new S3Bucket(this, 'bucket', {
      bucket: props.bucketName,
      lifecycle: { preventDestroy: props.preventDestroy ?? true },
    });
    const bucket = this.bucket.id;

    // Public-access block first: nothing else should ever be able to make the bucket public, even briefly.
    const publicAccess = new S3BucketPublicAccessBlock(this, 'public-access', {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'ownership', {
      bucket,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    this.versioning = new S3BucketVersioningA(this, 'versioning', {
      bucket,
      versioningConfiguration: { status: 'Enabled' },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket,
      rule: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: props.kmsKeyArn },
          // One data key per bucket instead of one KMS call per object: cheaper, same protection.
          bucketKeyEnabled: true,
        },
      ],
    });
    if (props.lifecycleRules ?? true) {
      new S3BucketLifecycleConfiguration(this, 'lifecycle', {
        bucket,
        // Expiring noncurrent versions needs versioning switched on first.
        dependsOn: [this.versioning],
        rule: [
          {
            id: 'expire-noncurrent-state-versions',
            status: 'Enabled',
            filter: [{}],
            noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionDays ?? 90 }],
            abortIncompleteMultipartUpload: [{ daysAfterInitiation: props.abortIncompleteUploadDays ?? 7 }],
          },
        ],
      });
    }

    const statements = stateBucketPolicyStatements(bucketArn(props.region, props.bucketName), props.enforceTls ?? true);
    if (statements.length > 0) {
      new S3BucketPolicy(this, 'policy', {
        bucket,
        policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
        // S3 rejects policy changes while the public-access block is being written.
        dependsOn: [publicAccess],
      });
    }
  }
}

/** The bucket policy's statements, as a pure function of the bucket ARN. */
export function stateBucketPolicyStatements(arn: string, enforceTls: boolean): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  if (enforceTls) {
    statements.push({
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [arn, `${arn}/*`],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
  }
  return statements;
}
