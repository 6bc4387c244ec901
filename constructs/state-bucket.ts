import type { TerraformProvider } from 'cdktf';
import type { Construct } from 'constructs';
import type { Statement } from '../iam/document';
import type { BucketKeyForms } from '../iam/resource-policies';
import { type AccessLogTarget, PrivateBucket } from './private-bucket';

export interface StateBucketProps {
  /** Bucket name (already validated against S3's naming rules). */
  readonly bucketName: string;
  /** Region of the bucket; decides the partition of its ARN. */
  readonly region: string;
  /** ARN of the customer managed key used for default encryption (with an S3 bucket key). */
  readonly kmsKeyArn: string;
  /**
   * The bucket's key in every form a client may name it: uploads that ask for another encryption type, name
   * another key, name it by id or alias from another account, ask for aws/s3 or use SSE-C are denied.
   * @default no upload-encryption denies
   */
  readonly uploadKey?: BucketKeyForms;
  /** Days a noncurrent state version is kept; the config supplies it. */
  readonly noncurrentVersionDays: number;
  /** Server access logging to this log bucket (which grants its own delivery) under this key prefix. @default no access logging */
  readonly serverAccessLogs?: { readonly target: AccessLogTarget; readonly prefix: string };
  /** Statements appended to the bucket policy (e.g. named cross-account principals). @default none */
  readonly additionalPolicyStatements?: readonly Statement[];
  /** Adds lifecycle prevent_destroy to the bucket. @default true */
  readonly preventDestroy?: boolean;
  /** Provider to create every resource with (another region). @default the stack's default AWS provider */
  readonly provider?: TerraformProvider;
}

/**
 * The state bucket: a PrivateBucket encrypted with the state's KMS key (right-key-only uploads), old versions
 * expired, stale multipart uploads aborted and expired delete markers removed.
 */
export class StateBucket extends PrivateBucket {
  constructor(scope: Construct, id: string, props: StateBucketProps) {
    // A subclass rather than a child construct: the resources keep their construct paths, and so the synthesized output.
    super(scope, id, {
      bucketName: props.bucketName,
      region: props.region,
      encryption: { kind: 'kms', keyArn: props.kmsKeyArn, uploadKey: props.uploadKey },
      lifecycleRules: [
        {
          id: 'expire-noncurrent-state-versions',
          noncurrentVersionExpirationDays: props.noncurrentVersionDays,
          abortIncompleteMultipartUploads: true,
        },
        // Lockfile litter (hashicorp/terraform#36445): each use_lockfile run leaves a noncurrent .tflock
        // version (expired by the rule above) and a delete marker, which lingers once its versions are gone.
        // S3 filters match prefixes, tags and sizes, never a suffix, and a lockfile can be as small as an
        // empty state, so no shorter expiry can single lockfiles out without reaching state versions; this
        // removes only delete markers with no version left behind them, never a version.
        { id: 'remove-expired-delete-markers', expiredObjectDeleteMarker: true },
      ],
      serverAccessLogs: props.serverAccessLogs,
      policyStatements: props.additionalPolicyStatements,
      preventDestroy: props.preventDestroy,
      provider: props.provider,
    });
  }
}
