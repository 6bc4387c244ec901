import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketLoggingA } from '@cdktf/provider-aws/lib/s3-bucket-logging';
import { S3BucketNotification } from '@cdktf/provider-aws/lib/s3-bucket-notification';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { type ITerraformDependable, Lazy, type TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { bucketArn } from '../iam/arn';
import { policyJson, type Statement } from '../iam/document';
import { type BucketKeyForms, bucketDenies } from '../iam/resource-policies';

/** Days before S3 aborts an unfinished multipart upload (a crashed client's parts are billed until then). */
export const ABORT_INCOMPLETE_UPLOAD_DAYS = 7;

/** Default encryption of a bucket's objects. */
export type BucketEncryption =
  /** SSE-S3 (AES256): the only default encryption S3 server access log delivery writes to. */
  | { readonly kind: 's3-managed'; readonly uploadKey?: undefined }
  | {
      /** SSE-KMS with this customer managed key and an S3 bucket key. */
      readonly kind: 'kms';
      readonly keyArn: string;
      /**
       * The key in every form a client may name it: uploads that ask for another encryption type, name another
       * key, name it by id or alias from another account, ask for aws/s3 or use SSE-C are denied.
       * @default no upload-encryption denies
       */
      readonly uploadKey?: BucketKeyForms;
    };

/** One lifecycle rule over every object of the bucket. */
export interface LifecycleRule {
  readonly id: string;
  /** Days after which current objects expire. @default current objects never expire */
  readonly expirationDays?: number;
  /** Days a noncurrent version is kept. @default noncurrent versions are kept */
  readonly noncurrentVersionExpirationDays?: number;
  /** Removes delete markers that no version stands behind any more. @default false */
  readonly expiredObjectDeleteMarker?: boolean;
  /** Aborts multipart uploads unfinished after ABORT_INCOMPLETE_UPLOAD_DAYS. @default false */
  readonly abortIncompleteMultipartUploads?: boolean;
}

/** A bucket that receives server access logs and sets up their delivery itself (LogBucket). */
export interface AccessLogTarget {
  readonly bucket: S3Bucket;
  /**
   * Lets S3 deliver the logs of the source bucket under the prefix; returns what switching logging on must wait
   * for (S3 checks that delivery is allowed when logging is switched on).
   */
  grantLogDelivery(sourceBucketArn: string, prefix: string): ITerraformDependable;
}

export interface PrivateBucketProps {
  /** Bucket name (already validated against S3's naming rules). */
  readonly bucketName: string;
  /** Region of the bucket; decides the partition of its ARN. */
  readonly region: string;
  /** Default encryption of new objects. @default { kind: 's3-managed' } */
  readonly encryption?: BucketEncryption;
  /** Lifecycle rules. @default none */
  readonly lifecycleRules?: readonly LifecycleRule[];
  /** Server access logging to this target, under this key prefix; the target grants its own delivery. @default no access logging */
  readonly serverAccessLogs?: { readonly target: AccessLogTarget; readonly prefix: string };
  /** Statements appended to the bucket policy after its Denies (bucketDenies). @default none */
  readonly policyStatements?: readonly Statement[];
  /** Adds lifecycle prevent_destroy to the bucket. @default true */
  readonly preventDestroy?: boolean;
  /** Lets Terraform delete the bucket with objects still in it. @default not set (Terraform's false) */
  readonly forceDestroy?: boolean;
  /** Provider to create every resource with (another region). @default the stack's default AWS provider */
  readonly provider?: TerraformProvider;
}

/**
 * A private, versioned, encrypted bucket: all four public-access blocks, ACLs off (BucketOwnerEnforced),
 * TLS-only bucket policy, object events sent to EventBridge (free; they let an alarm watch deletes). The one
 * place the project writes bucket hardening.
 */
export class PrivateBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly versioning: S3BucketVersioningA;
  readonly arn: string;
  /** The Denies the bucket policy opens with (bucketDenies). */
  readonly denies: readonly Statement[];
  readonly policy: S3BucketPolicy;
  private readonly statements: Statement[];

  constructor(scope: Construct, id: string, props: PrivateBucketProps) {
    super(scope, id);
    const provider = props.provider;
    const encryption = props.encryption ?? { kind: 's3-managed' };
    this.bucket = new S3Bucket(this, 'bucket', {
      provider,
      bucket: props.bucketName,
      forceDestroy: props.forceDestroy,
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
        encryption.kind === 'kms'
          ? {
              applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: encryption.keyArn },
              // One data key per bucket instead of one KMS call per object: cheaper, same protection.
              bucketKeyEnabled: true,
            }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } },
      ],
    });
    const rules = props.lifecycleRules ?? [];
    if (rules.length > 0) {
      new S3BucketLifecycleConfiguration(this, 'lifecycle', {
        provider,
        bucket,
        // Expiring noncurrent versions needs versioning switched on first.
        dependsOn: [this.versioning],
        rule: rules.map((rule) => ({
          id: rule.id,
          status: 'Enabled',
          filter: [{}],
          expiration:
            rule.expirationDays === undefined && !rule.expiredObjectDeleteMarker
              ? undefined
              : [{ days: rule.expirationDays, expiredObjectDeleteMarker: rule.expiredObjectDeleteMarker }],
          noncurrentVersionExpiration:
            rule.noncurrentVersionExpirationDays === undefined
              ? undefined
              : [{ noncurrentDays: rule.noncurrentVersionExpirationDays }],
          abortIncompleteMultipartUpload: rule.abortIncompleteMultipartUploads
            ? [{ daysAfterInitiation: ABORT_INCOMPLETE_UPLOAD_DAYS }]
            : undefined,
        })),
      });
    }
    new S3BucketNotification(this, 'events', { provider, bucket, eventbridge: true });
    if (props.serverAccessLogs) {
      const { target: logs, prefix } = props.serverAccessLogs;
      new S3BucketLoggingA(this, 'access-logs', {
        provider,
        bucket,
        targetBucket: logs.bucket.id,
        targetPrefix: prefix,
        dependsOn: [logs.grantLogDelivery(this.arn, prefix)],
      });
    }

    this.denies = bucketDenies(this.arn, encryption.uploadKey);
    this.statements = [...this.denies, ...(props.policyStatements ?? [])];
    this.policy = new S3BucketPolicy(this, 'policy', {
      provider,
      bucket,
      // Statements granted after construction (log delivery) land in the same document.
      policy: Lazy.stringValue({ produce: () => policyJson(this.statements) }),
      // S3 rejects policy changes while the public-access block is being written.
      dependsOn: [publicAccess],
    });
  }

  /** The bucket policy's statements: its Denies, then the statements of the props and those added since. */
  get policyStatements(): readonly Statement[] {
    return this.statements;
  }

  /** Appends a statement to the bucket policy; returns the policy. */
  addToResourcePolicy(statement: Statement): S3BucketPolicy {
    this.statements.push(statement);
    return this.policy;
  }
}
