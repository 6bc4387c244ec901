import { Construct } from 'constructs';
import { TerraformProvider } from 'cdktf';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketNotification } from '@cdktf/provider-aws/lib/s3-bucket-notification';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { bucketArn } from '../config/arn';
import { REAL_AWS, TargetProfile } from '../config/target';
import { policyJson } from '../iam/document';
import { denyInsecureTransport, logDeliveryStatement } from '../iam/resource-policies';

export interface LogBucketProps {
  /** Bucket name (already validated against S3's naming rules). */
  readonly bucketName: string;
  /** Region of the bucket (server access logs must land in the source bucket's region). */
  readonly region: string;
  /** ARN of the bucket whose access logs this bucket receives; the only source S3 may deliver for. */
  readonly sourceBucketArn: string;
  /** Account that owns the source bucket (aws:SourceAccount of the log delivery). */
  readonly sourceAccountId: string;
  /** Key prefix the source bucket's logs are written under. */
  readonly logPrefix: string;
  /** Days a log object is kept (current and noncurrent). @default 365 */
  readonly expirationDays?: number;
  /**
   * What the target can do: the TLS-only deny, EventBridge notifications (free; they let an alarm watch deletes)
   * and the expiry lifecycle configuration are written only where it can.
   * @default REAL_AWS (every feature)
   */
  readonly target?: TargetProfile;
  /** Adds prevent_destroy; false also sets force_destroy, since logs keep arriving while a teardown empties it. @default true */
  readonly preventDestroy?: boolean;
  /** Provider to create every resource with (another region). @default the stack's default AWS provider */
  readonly provider?: TerraformProvider;
}

/**
 * The target of the state bucket's server access logs: versioned, SSE-S3 (AES256, the only default
 * encryption S3 log delivery writes to), all public access blocked, ACLs off with a bucket policy that lets
 * only the S3 logging service write, for only the source bucket, and logs expired after a retention period.
 */
export class LogBucket extends Construct {
  readonly bucket: S3Bucket;
  /** The policy that lets S3 deliver logs; logging must be switched on after it exists. */
  readonly policy: S3BucketPolicy;

  constructor(scope: Construct, id: string, props: LogBucketProps) {
    super(scope, id);
    const protect = props.preventDestroy ?? true;
    const provider = props.provider;
    const target = props.target ?? REAL_AWS;
    this.bucket = new S3Bucket(this, 'bucket', { provider, bucket: props.bucketName, forceDestroy: !protect, lifecycle: { preventDestroy: protect } });
    const bucket = this.bucket.id;
    const arn = bucketArn(props.region, props.bucketName);
    const publicAccess = new S3BucketPublicAccessBlock(this, 'public-access', { provider,
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'ownership', { provider, bucket, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    const versioning = new S3BucketVersioningA(this, 'versioning', { provider, bucket, versioningConfiguration: { status: 'Enabled' } });
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', { provider,
      bucket,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    });
    const days = props.expirationDays ?? 365;
    if (target.lifecycleRules) {
      new S3BucketLifecycleConfiguration(this, 'lifecycle', { provider,
        bucket,
        dependsOn: [versioning],
        rule: [
          {
            id: 'expire-access-logs',
            status: 'Enabled',
            filter: [{}],
            expiration: [{ days }],
            // A deleted log stays recoverable as long as it would have been kept.
            noncurrentVersionExpiration: [{ noncurrentDays: days }],
            abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
          },
        ],
      });
    }
    if (target.eventNotifications) new S3BucketNotification(this, 'events', { provider, bucket, eventbridge: true });
    this.policy = new S3BucketPolicy(this, 'policy', { provider,
      bucket,
      policy: policyJson([
        ...(target.conditionalDenies ? [denyInsecureTransport(arn)] : []),
        logDeliveryStatement(arn, props.sourceBucketArn, props.sourceAccountId, props.logPrefix),
      ]),
      dependsOn: [publicAccess],
    });
  }
}
