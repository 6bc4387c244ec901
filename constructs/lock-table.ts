import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { Construct } from 'constructs';

/** Hash key Terraform's S3 backend reads and writes; the name is fixed by Terraform. */
export const LOCK_HASH_KEY = 'LockID';

export interface LockTableProps {
  /** Table name. */
  readonly tableName: string;
  /** ARN of the customer managed key that encrypts the table. */
  readonly kmsKeyArn: string;
  /** Adds prevent_destroy and turns deletion protection on. @default true */
  readonly preventDestroy?: boolean;
}

/** The DynamoDB table Terraform's S3 backend locks state in: LockID string hash key, on-demand, PITR, KMS. */
export class LockTable extends Construct {
  readonly table: DynamodbTable;
  /** The table's name as configured: a plain string, safe inside an expression (the resource's name is a token). */
  readonly tableName: string;

  constructor(scope: Construct, id: string, props: LockTableProps) {
    super(scope, id);
    this.tableName = props.tableName;
    const protect = props.preventDestroy ?? true;
    this.table = new DynamodbTable(this, 'table', {
      name: props.tableName,
      hashKey: LOCK_HASH_KEY,
      attribute: [{ name: LOCK_HASH_KEY, type: 'S' }],
      // Locks are a few writes per plan or apply: on-demand costs nothing while idle.
      billingMode: 'PAY_PER_REQUEST',
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: props.kmsKeyArn },
      deletionProtectionEnabled: protect,
      lifecycle: { preventDestroy: protect },
    });
  }
}
