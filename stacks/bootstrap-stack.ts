import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DynamodbResourcePolicy } from '@cdktf/provider-aws/lib/dynamodb-resource-policy';
import { Aspects, LocalBackend, Op, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { backendSettings } from '../config/backend';
import { accessLogPrefix, BOOTSTRAP_LOCAL_STATE, kopsStateStore, projectStateKeyPatterns } from '../config/naming';
import { SETTINGS } from '../config/settings';
import { stateResources } from '../config/state-resources';
import type { BackendConfig } from '../config/types';
import { AccessPolicies } from '../constructs/access-policies';
import { Adoption } from '../constructs/adoption';
import { LockTable } from '../constructs/lock-table';
import { LogBucket } from '../constructs/log-bucket';
import { StateBucket } from '../constructs/state-bucket';
import { StateKmsKey } from '../constructs/state-kms-key';
import { StateReplication } from '../constructs/state-replication';
import { accountRootArn, principalArn } from '../iam/arn';
import { checkPolicySize, policyJson } from '../iam/document';
import {
  type CrossAccountPrincipals,
  crossAccountBucketStatements,
  crossAccountKeyStatements,
  crossAccountTableStatements,
} from '../iam/resource-policies';
import type { StateResources } from '../iam/state-access';
import { addAwsProvider, addReplicaAwsProvider } from './aws-provider';
import { EmulatorLimits, onEmulator } from './emulator';
import { useStateBucket } from './s3-backend';

/**
 * Phase 1: creates the state bucket, the lock table and the KMS key with local state (the bucket cannot
 * hold the state of the stack that creates it until it exists). Phase 3 moves that state into the bucket.
 */
export class BootstrapStack extends TerraformStack {
  readonly kmsKey: StateKmsKey;
  readonly stateBucket: StateBucket;
  readonly lockTable: LockTable | undefined;
  readonly accessPolicies: AccessPolicies;
  readonly logBucket: LogBucket | undefined;
  readonly replication: StateReplication | undefined;

  constructor(scope: Construct, id: string, config: BackendConfig) {
    super(scope, id);
    addAwsProvider(this, config);
    if (config.bootstrapBackend === 's3') {
      useStateBucket(this, config, config.bootstrapStateKey);
    } else {
      // Relative to cdktf.out/stacks/<id>, where Terraform runs: the file lands in the project root
      // and the synthesized JSON carries no machine path.
      new LocalBackend(this, { path: `../../../${BOOTSTRAP_LOCAL_STATE}` });
    }

    const preventDestroy = !config.allowDestroy;
    // What an emulator cannot do is taken out of the whole stack in one place (and so out of every construct).
    if (onEmulator(config)) Aspects.of(this).add(new EmulatorLimits());
    const account = new DataAwsCallerIdentity(this, 'account');
    const rootArn = accountRootArn(config.region, account.accountId);
    const principals: CrossAccountPrincipals = {
      writers: config.crossAccountPrincipals.map((principal) => principalArn(config.region, principal)),
      readers: config.crossAccountReaders.map((principal) => principalArn(config.region, principal)),
    };
    const stateKeys = projectStateKeyPatterns(config);
    // The key policy cannot name its own key's ARN, and nothing in it needs to: "*" is the key there.
    const keyPolicyResources: StateResources = stateResources(config, { accountId: account.accountId, keyArn: '*' });
    this.kmsKey = new StateKmsKey(this, 'state-key', {
      alias: config.kmsAlias,
      accountRootArn: rootArn,
      preventDestroy,
      additionalPolicyStatements: crossAccountKeyStatements(keyPolicyResources, stateKeys, principals),
      existingKeyArn: config.kmsKeyArn,
    });
    if (config.kmsKeyArn !== undefined) {
      // An alias can only name a key of its own account: refuse at plan time rather than half-way through the apply.
      const keyAccount = config.kmsKeyArn.split(':')[4];
      this.kmsKey.alias.lifecycle = {
        ...this.kmsKey.alias.lifecycle,
        precondition: [
          {
            condition: Op.eq(account.accountId, keyAccount),
            errorMessage: `${SETTINGS.kmsKeyArn.env} names a key of account ${keyAccount}, but bootstrap runs in account ${account.accountId}: the alias ${config.kmsAlias} (which backends and policies use) can only name a key of its own account`,
          },
        ],
      };
    }
    const resources = stateResources(config, { accountId: account.accountId, keyArn: this.kmsKey.keyArn });
    this.logBucket =
      config.logBucket === undefined
        ? undefined
        : new LogBucket(this, 'log-bucket', {
            bucketName: config.logBucket,
            region: config.region,
            accountId: account.accountId,
            expirationDays: config.accessLogDays,
            preventDestroy,
          });
    this.stateBucket = new StateBucket(this, 'state-bucket', {
      bucketName: config.bucket,
      region: config.region,
      kmsKeyArn: this.kmsKey.keyArn,
      uploadKey: this.kmsKey.uploadKeyForms(account.accountId),
      noncurrentVersionDays: config.noncurrentVersionDays,
      serverAccessLogs: this.logBucket ? { target: this.logBucket, prefix: accessLogPrefix(config.bucket) } : undefined,
      preventDestroy,
      additionalPolicyStatements: crossAccountBucketStatements(
        resources,
        stateKeys,
        config.kopsPrefix,
        principals,
        account.accountId,
      ),
    });
    this.replication =
      config.replica === undefined
        ? undefined
        : new StateReplication(this, 'replication', {
            source: this.stateBucket,
            sourceKmsKeyArn: this.kmsKey.keyArn,
            sourceRegion: config.region,
            replicaRegion: config.replica.region,
            replicaProvider: addReplicaAwsProvider(this, config, config.replica.region),
            replicaBucketName: config.replica.bucket,
            replicaKmsAlias: `${config.kmsAlias}-replica`,
            accountRootArn: rootArn,
            accountId: account.accountId,
            accessLogs:
              config.replica.logBucket === undefined
                ? undefined
                : {
                    bucketName: config.replica.logBucket,
                    prefix: accessLogPrefix(config.replica.bucket),
                    expirationDays: config.accessLogDays,
                  },
            noncurrentVersionDays: config.noncurrentVersionDays,
            preventDestroy,
          });
    this.lockTable =
      config.lockTable === undefined
        ? undefined
        : new LockTable(this, 'lock-table', {
            tableName: config.lockTable,
            kmsKeyArn: this.kmsKey.keyArn,
            preventDestroy,
          });

    if (config.adopt) {
      new Adoption(this, 'adoption', {
        bucket: this.stateBucket.bucket,
        versioning: this.stateBucket.versioning,
        bucketName: config.bucket,
        region: config.region,
        lockTable: this.lockTable,
      });
    }

    const tableGrants = crossAccountTableStatements(resources, stateKeys, principals);
    const tablePolicy = tableGrants.length > 0 ? policyJson(tableGrants) : undefined;
    if (this.lockTable && tablePolicy !== undefined) {
      new DynamodbResourcePolicy(this, 'lock-table-cross-account', {
        resourceArn: this.lockTable.table.arn,
        policy: tablePolicy,
      });
    }

    this.accessPolicies = new AccessPolicies(this, 'access-policies', {
      resources,
      stateKeys,
      kopsPrefix: config.kopsPrefix,
    });

    // AWS refuses oversized policies only at deploy (moto never does): refuse them at synth.
    const crossAccount = `${SETTINGS.crossAccountPrincipals.env} and ${SETTINGS.crossAccountReaders.env} (${principals.writers.length + principals.readers.length} principals)`;
    checkPolicySize(
      'state bucket policy',
      'bucket policy',
      policyJson(this.stateBucket.policyStatements),
      crossAccount,
    );
    if (this.kmsKey.policyJson) checkPolicySize('KMS key policy', 'key policy', this.kmsKey.policyJson, crossAccount);
    if (tablePolicy) checkPolicySize('lock table resource policy', 'table resource policy', tablePolicy, crossAccount);
    for (const [level, json] of Object.entries(this.accessPolicies.policyJson)) {
      checkPolicySize(
        `managed policy ${level}`,
        'managed policy',
        json,
        `${SETTINGS.stateKey.env} and ${SETTINGS.environmentKeyPrefix.env}`,
      );
    }

    new TerraformOutput(this, 'bucket', { value: this.stateBucket.bucket.bucket, description: 'State bucket' });
    new TerraformOutput(this, 'region', { value: config.region, description: 'Region of bucket, table and key' });
    new TerraformOutput(this, 'lock_table', {
      value: this.lockTable ? this.lockTable.table.name : '',
      description: 'DynamoDB lock table ("" when locking is s3)',
    });
    new TerraformOutput(this, 'kms_key_arn', { value: this.kmsKey.keyArn, description: 'KMS key that encrypts state' });
    new TerraformOutput(this, 'kms_key_alias', {
      value: this.kmsKey.alias.name,
      description: 'Alias the backends use for the key',
    });
    for (const [level, policy] of Object.entries(this.accessPolicies.policies)) {
      new TerraformOutput(this, `policy_${level.replace('-', '_')}_arn`, {
        value: policy.arn,
        description: `Managed policy: ${level} access to the state`,
      });
    }
    new TerraformOutput(this, 'kops_state_store', {
      value: kopsStateStore(config.bucket, config.kopsPrefix),
      description: 'KOPS_STATE_STORE',
    });
    new TerraformOutput(this, 'log_bucket', {
      value: this.logBucket ? this.logBucket.bucket.bucket : '',
      description: 'Access-log bucket ("" when access logging is off)',
    });
    new TerraformOutput(this, 'replica_bucket', {
      value: this.replication ? this.replication.replica.bucket.bucket : '',
      description: 'Replica bucket in the replica region ("" when replication is off)',
    });
    new TerraformOutput(this, 'backend_config', {
      value: backendSettings(config, config.stateKey),
      description: 'backend "s3" settings of the app stack',
    });
  }
}
