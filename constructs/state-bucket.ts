import { Construct } from 'constructs';
import { ITerraformDependable, TerraformProvider } from 'cdktf';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketLoggingA } from '@cdktf/provider-aws/lib/s3-bucket-logging';
import { S3BucketNotification } from '@cdktf/provider-aws/lib/s3-bucket-notification';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { bucketArn } from '../config/arn';
import { REAL_AWS, TargetProfile } from '../config/target';
import { policyJson, Statement } from '../iam/document';
import { BucketKeyForms, denyInsecureTransport, uploadEncryptionDenies } from '../iam/resource-policies';

export interface StateBucketProps {
  /** Bucket name (already validated against S3's naming rules). */
  readonly bucketName: string;
  /** Region of the bucket; decides the partition of its ARN. */
  readonly region: string;
  /** ARN of the customer managed key used for default encryption (with an S3 bucket key). */
  readonly kmsKeyArn: string;
  /**
   * The bucket's key in every form a client may name it: uploads that ask for another encryption type, name
   * another key, name it by id or alias from another account, ask for aws/s3 or use SSE-C are denied (where the
   * target has conditional denies).
   * @default no upload-encryption denies
   */
  readonly uploadKey?: BucketKeyForms;
  /** Days a noncurrent state version is kept. @default 90 */
  readonly noncurrentVersionDays?: number;
  /** Days before an unfinished multipart upload is aborted. @default 7 */
  readonly abortIncompleteUploadDays?: number;
  /**
   * Server access logging: the target bucket (its id), the key prefix of this bucket's logs, and what must exist
   * first (the target's bucket policy: S3 checks log delivery is allowed when logging is switched on).
   * @default no access logging
   */
  readonly accessLogs?: { readonly targetBucket: string; readonly targetPrefix: string; readonly dependsOn?: ITerraformDependable[] };
  /** Statements appended to the bucket policy (e.g. named cross-account principals). @default none */
  readonly additionalPolicyStatements?: readonly Statement[];
  /** Adds lifecycle prevent_destroy to the bucket. @default true */
  readonly preventDestroy?: boolean;
  /** Provider to create every resource with (another region). @default the stack's default AWS provider */
  readonly provider?: TerraformProvider;
  /**
   * What the target can do: a TLS-only deny, the upload denies, EventBridge notifications (free; they let an
   * alarm watch deletes) and the lifecycle configuration are written only where it can.
   * @default REAL_AWS (every feature)
   */
  readonly target?: TargetProfile;
}

/**
 * The versioned, KMS-encrypted, private state bucket: all four public-access blocks, ACLs off
 * (BucketOwnerEnforced), TLS-only and right-key-only policy, old versions expired, stale multipart uploads
 * aborted, object events sent to EventBridge (free; lets an alarm watch deletes of state).
 */
export class StateBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly versioning: S3BucketVersioningA;
  readonly arn: string;
  /** The bucket policy document; undefined when the bucket has no policy. */
  readonly policyJson: string | undefined;

  constructor(scope: Construct, id: string, props: StateBucketProps) {
    super(scope, id);
    const provider = props.provider;
    const target = props.target ?? REAL_AWS;
    this.bucket = new S3Bucket(this, 'bucket', {
      provider,
      bucket: props.bucketName,
      lifecycle: { preventDestroy: props.preventDestroy ?? true },
    });
    const bucket = this.bucket.id;
    this.arn = bucketArn(props.region, props.bucketName);

    // Public-access block first: nothing else should ever be able to make the bucket public, even briefly.
    const publicAccess = new S3BucketPublicAccessBlock(this, 'public-access', {
      provider,
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'ownership', {
      provider,
      bucket,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    this.versioning = new S3BucketVersioningA(this, 'versioning', {
      provider,
      bucket,
      versioningConfiguration: { status: 'Enabled' },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      provider,
      bucket,
      rule: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: props.kmsKeyArn },
          // One data key per bucket instead of one KMS call per object: cheaper, same protection.
          bucketKeyEnabled: true,
        },
      ],
    });
    if (target.lifecycleRules) {
      new S3BucketLifecycleConfiguration(this, 'lifecycle', {
        provider,
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
          {
            // Lockfile litter (hashicorp/terraform#36445): each use_lockfile run leaves a noncurrent .tflock
            // version (expired by the rule above) and a delete marker, which lingers once its versions are gone.
            // S3 filters match prefixes, tags and sizes, never a suffix, and a lockfile can be as small as an
            // empty state, so no shorter expiry can single lockfiles out without reaching state versions; this
            // removes only delete markers with no version left behind them, never a version.
            id: 'remove-expired-delete-markers',
            status: 'Enabled',
            filter: [{}],
            expiration: [{ expiredObjectDeleteMarker: true }],
          },
        ],
      });
    }
    if (target.eventNotifications) new S3BucketNotification(this, 'events', { provider, bucket, eventbridge: true });
    if (props.accessLogs) {
      new S3BucketLoggingA(this, 'access-logs', {
        provider,
        bucket,
        targetBucket: props.accessLogs.targetBucket,
        targetPrefix: props.accessLogs.targetPrefix,
        dependsOn: props.accessLogs.dependsOn,
      });
    }

    const statements = [
      ...(target.conditionalDenies ? [denyInsecureTransport(this.arn)] : []),
      ...(target.conditionalDenies && props.uploadKey ? uploadEncryptionDenies(this.arn, props.uploadKey) : []),
      ...(props.additionalPolicyStatements ?? []),
    ];
    this.policyJson = statements.length > 0 ? policyJson(statements) : undefined;
    if (this.policyJson !== undefined) {
      new S3BucketPolicy(this, 'policy', {
        provider,
        bucket,
        policy: this.policyJson,
        // S3 rejects policy changes while the public-access block is being written.
        dependsOn: [publicAccess],
      });
    }
  }
}
