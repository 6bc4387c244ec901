import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { S3BucketReplicationConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-replication-configuration';
import type { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { policyJson } from '../iam/document';
import { REPLICATION_TRUST, replicationRoleStatements } from '../iam/resource-policies';
import { LogBucket } from './log-bucket';
import { StateBucket } from './state-bucket';
import { StateKmsKey } from './state-kms-key';

export interface StateReplicationProps {
  /** The state bucket to replicate (versioned, KMS-encrypted). */
  readonly source: StateBucket;
  /** ARN of the key that encrypts the source bucket. */
  readonly sourceKmsKeyArn: string;
  /** Region of the source bucket. */
  readonly sourceRegion: string;
  /** Region of the replica: its bucket and key are created with replicaProvider there. */
  readonly replicaRegion: string;
  /** AWS provider configured for replicaRegion. */
  readonly replicaProvider: TerraformProvider;
  /** Name of the replica bucket. */
  readonly replicaBucketName: string;
  /** Alias of the replica's own KMS key. */
  readonly replicaKmsAlias: string;
  /** Account root ARN the replica key policy names. */
  readonly accountRootArn: string;
  /** Account id (aws:SourceAccount of log delivery, owner of the replica key). */
  readonly accountId: string;
  /** Server access logging of the replica to a log bucket in the replica region (logs must stay in-region). @default none */
  readonly accessLogs?: { readonly bucketName: string; readonly prefix: string; readonly expirationDays: number };
  /** Days a noncurrent replica version is kept; the config supplies it (as for the state bucket). */
  readonly noncurrentVersionDays: number;
  /** Adds prevent_destroy to replica bucket and key. @default true */
  readonly preventDestroy?: boolean;
}

/**
 * Cross-region replication of the state bucket: a replica bucket hardened like the state bucket, encrypted
 * with its own key in the replica region, and an IAM role S3 assumes that may only read the source's
 * versions, decrypt with the source key and write replicas encrypted with the replica key. Delete markers
 * are not replicated: deleting state in the source must not delete it in the copy.
 */
export class StateReplication extends Construct {
  readonly replicaKey: StateKmsKey;
  readonly replica: StateBucket;
  readonly role: IamRole;
  readonly replicaLogBucket: LogBucket | undefined;
  readonly configuration: S3BucketReplicationConfigurationA;
  readonly replicaRegion: string;

  constructor(scope: Construct, id: string, props: StateReplicationProps) {
    super(scope, id);
    this.replicaRegion = props.replicaRegion;
    // Passed on: key, log bucket and replica bucket each default to protected.
    const preventDestroy = props.preventDestroy;
    this.replicaKey = new StateKmsKey(this, 'replica-key', {
      alias: props.replicaKmsAlias,
      accountRootArn: props.accountRootArn,
      preventDestroy,
      provider: props.replicaProvider,
    });
    const replicaLogs = props.accessLogs && {
      target: new LogBucket(this, 'replica-log-bucket', {
        bucketName: props.accessLogs.bucketName,
        region: props.replicaRegion,
        accountId: props.accountId,
        expirationDays: props.accessLogs.expirationDays,
        preventDestroy,
        provider: props.replicaProvider,
      }),
      prefix: props.accessLogs.prefix,
    };
    this.replicaLogBucket = replicaLogs?.target;
    this.replica = new StateBucket(this, 'replica-bucket', {
      bucketName: props.replicaBucketName,
      region: props.replicaRegion,
      kmsKeyArn: this.replicaKey.keyArn,
      noncurrentVersionDays: props.noncurrentVersionDays,
      uploadKey: this.replicaKey.uploadKeyForms(props.accountId),
      serverAccessLogs: replicaLogs,
      preventDestroy,
      provider: props.replicaProvider,
    });
    this.role = new IamRole(this, 'role', {
      namePrefix: 'tfstate-replication-',
      description: `S3 replication of ${props.source.arn} to ${this.replica.arn}`,
      assumeRolePolicy: policyJson(REPLICATION_TRUST),
    });
    new IamRolePolicy(this, 'role-policy', {
      role: this.role.id,
      name: 'replicate-state',
      policy: policyJson(
        replicationRoleStatements({
          sourceBucketArn: props.source.arn,
          replicaBucketArn: this.replica.arn,
          sourceKmsKeyArn: props.sourceKmsKeyArn,
          replicaKmsKeyArn: this.replicaKey.keyArn,
          sourceRegion: props.sourceRegion,
          replicaRegion: props.replicaRegion,
        }),
      ),
    });
    this.configuration = new S3BucketReplicationConfigurationA(this, 'configuration', {
      bucket: props.source.bucket.id,
      role: this.role.arn,
      // Replication needs versioning on both sides first.
      dependsOn: [props.source.versioning, this.replica.versioning],
      rule: [
        {
          id: 'replicate-state',
          status: 'Enabled',
          filter: {},
          deleteMarkerReplication: { status: 'Disabled' },
          // Without it S3 skips every SSE-KMS object, which is every state object.
          sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } },
          destination: {
            bucket: this.replica.bucket.arn,
            storageClass: 'STANDARD',
            encryptionConfiguration: { replicaKmsKeyId: this.replicaKey.keyArn },
          },
        },
      ],
    });
  }
}
