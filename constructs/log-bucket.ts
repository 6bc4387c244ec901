import type { ITerraformDependable, TerraformProvider } from 'cdktf';
import type { Construct } from 'constructs';
import { logDeliveryStatement } from '../iam/resource-policies';
import { type AccessLogTarget, PrivateBucket } from './private-bucket';

export interface LogBucketProps {
  /** Bucket name (already validated against S3's naming rules). */
  readonly bucketName: string;
  /** Region of the bucket (server access logs must land in the source bucket's region). */
  readonly region: string;
  /** Account that owns this bucket and its source buckets (aws:SourceAccount of every log delivery). */
  readonly accountId: string;
  /** Days a log object is kept (current and noncurrent); the config supplies it. */
  readonly expirationDays: number;
  /** Adds prevent_destroy; false also sets force_destroy, since logs keep arriving while a teardown empties it. @default true */
  readonly preventDestroy?: boolean;
  /** Provider to create every resource with (another region). @default the stack's default AWS provider */
  readonly provider?: TerraformProvider;
}

/**
 * The target of a bucket's server access logs: a PrivateBucket with SSE-S3 (AES256, the only default encryption
 * S3 log delivery writes to) whose policy lets only the S3 logging service write, for only the source bucket that
 * was granted, and logs expired after a retention period.
 */
export class LogBucket extends PrivateBucket implements AccessLogTarget {
  private readonly accountId: string;
  private granted = false;

  constructor(scope: Construct, id: string, props: LogBucketProps) {
    const protect = props.preventDestroy ?? true;
    // A subclass rather than a child construct: the resources keep their construct paths, and so the synthesized output.
    super(scope, id, {
      bucketName: props.bucketName,
      region: props.region,
      // PrivateBucket's default, stated because log delivery needs it.
      encryption: { kind: 's3-managed' },
      lifecycleRules: [
        // A deleted log stays recoverable as long as it would have been kept.
        {
          id: 'expire-access-logs',
          expirationDays: props.expirationDays,
          noncurrentVersionExpirationDays: props.expirationDays,
          abortIncompleteMultipartUploads: true,
        },
      ],
      preventDestroy: protect,
      forceDestroy: !protect,
      provider: props.provider,
    });
    this.accountId = props.accountId;
  }

  grantLogDelivery(sourceBucketArn: string, prefix: string): ITerraformDependable {
    // One delivery statement per policy: its Sid must be unique, and the project logs one bucket to each log bucket.
    if (this.granted) throw new Error(`${this.node.path}: already receives the logs of another bucket`);
    this.granted = true;
    return this.addToResourcePolicy(logDeliveryStatement(this.arn, sourceBucketArn, this.accountId, prefix));
  }
}
