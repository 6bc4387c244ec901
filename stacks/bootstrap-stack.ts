import { Construct } from 'constructs';
import { LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import { backendSettings } from '../config/backend';
import { BOOTSTRAP_LOCAL_STATE } from '../config/naming';
import { BackendConfig } from '../config/types';
import { LockTable } from '../constructs/lock-table';
import { StateBucket } from '../constructs/state-bucket';
import { StateKey } from '../constructs/state-key';
import { addAwsProvider } from './aws-provider';
import { useStateBucket } from './s3-backend';

/**
 * Phase 1: creates the state bucket, the lock table and the KMS key with local state (the bucket cannot
 * hold the state of the stack that creates it until it exists). Phase 3 moves that state into the bucket.
 */
export class BootstrapStack extends TerraformStack {
  readonly stateKey: StateKey;
  readonly stateBucket: StateBucket;
  readonly lockTable: LockTable | undefined;

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
    this.stateKey = new StateKey(this, 'state-key', { alias: config.kmsAlias, preventDestroy });
    this.stateBucket = new StateBucket(this, 'state-bucket', {
      bucketName: config.bucket,
      region: config.region,
      kmsKeyArn: this.stateKey.key.arn,
      noncurrentVersionDays: config.noncurrentVersionDays,
      enforceTls: config.endpoint === undefined,
      lifecycleRules: config.endpoint === undefined,
      preventDestroy,
    });
    this.lockTable =
      config.lockTable === undefined
        ? undefined
        : new LockTable(this, 'lock-table', { tableName: config.lockTable, kmsKeyArn: this.stateKey.key.arn, preventDestroy });

    new TerraformOutput(this, 'bucket', { value: this.stateBucket.bucket.bucket, description: 'State bucket' });
    new TerraformOutput(this, 'region', { value: config.region, description: 'Region of bucket, table and key' });
    new TerraformOutput(this, 'lock_table', {
      value: this.lockTable ? this.lockTable.table.name : '',
      description: 'DynamoDB lock table ("" when locking is s3)',
    });
    new TerraformOutput(this, 'kms_key_arn', { value: this.stateKey.key.arn, description: 'KMS key that encrypts state' });
    new TerraformOutput(this, 'kms_key_alias', { value: this.stateKey.alias.name, description: 'Alias the backends use for the key' });
    new TerraformOutput(this, 'backend_config', {
      value: backendSettings(config, config.stateKey),
      description: 'backend "s3" settings of the app stack',
    });
  }
}
