import { DataAwsDynamodbTable } from '@cdktf/provider-aws/lib/data-aws-dynamodb-table';
import { DataAwsDynamodbTables } from '@cdktf/provider-aws/lib/data-aws-dynamodb-tables';
import { DataAwsS3Bucket } from '@cdktf/provider-aws/lib/data-aws-s3-bucket';
import { DataAwsS3Objects } from '@cdktf/provider-aws/lib/data-aws-s3-objects';
import type { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import type { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { Fn, Op } from 'cdktf';
import { Construct } from 'constructs';
import { SETTINGS } from '../config/settings';
import { LOCK_HASH_KEY, type LockTable } from './lock-table';

/** Every refusal starts with this, so a command can pick Terraform's error line out of its output. */
export const ADOPT_REFUSED = 'adopt refused:';

export interface AdoptionProps {
  /** The bucket resource that imports the existing bucket. */
  readonly bucket: S3Bucket;
  /** Its versioning resource: it carries the check that versioning may be switched on. */
  readonly versioning: S3BucketVersioningA;
  /** Name of the existing bucket (validated S3 name: a safe literal inside an expression). */
  readonly bucketName: string;
  /** Region the bucket must be in (validated region code). */
  readonly region: string;
  /** The lock table that imports the existing table (named by its validated name). @default none: locking uses no table */
  readonly lockTable?: LockTable;
}

/**
 * Brings a bucket and table made outside the project under Terraform (import blocks), after checks that
 * Terraform evaluates while planning: a failed check fails the plan, so nothing is changed. Data sources
 * read the existing objects; their postconditions (and one precondition on the versioning resource, which
 * needs the imported bucket's state) hold the refusals. synth itself makes no AWS call.
 */
export class Adoption extends Construct {
  constructor(scope: Construct, id: string, props: AdoptionProps) {
    super(scope, id);
    const { bucketName, region } = props;
    new DataAwsS3Bucket(this, 'existing-bucket', {
      bucket: bucketName,
      lifecycle: {
        postcondition: [
          {
            condition: `\${self.region == "${region}"}`,
            errorMessage: `${ADOPT_REFUSED} bucket "${bucketName}" is in \${self.region}, not ${region}; set ${SETTINGS.region.env}=\${self.region} (the table and key must be in the bucket's region too)`,
          },
        ],
      },
    });
    const objects = new DataAwsS3Objects(this, 'existing-objects', { bucket: bucketName, maxKeys: 1 });
    props.bucket.importFrom(bucketName);
    props.versioning.lifecycle = {
      ...props.versioning.lifecycle,
      precondition: [
        {
          condition: Op.or(props.bucket.versioning.enabled, Op.lt(Fn.lengthOf(objects.keys), 1)),
          errorMessage:
            `${ADOPT_REFUSED} bucket "${bucketName}" is not versioned and holds objects; adopting would switch versioning on, which cannot be undone (only suspended): ` +
            `every object stays as its "null" version, every later write keeps the replaced data as a noncurrent version that the lifecycle rule deletes after ${SETTINGS.noncurrentVersionDays.env}; ` +
            `switch it on yourself when that is what you want (aws s3api put-bucket-versioning --bucket ${bucketName} --versioning-configuration Status=Enabled), then adopt`,
        },
      ],
    };

    if (props.lockTable === undefined) return;
    const { tableName } = props.lockTable;
    const tables = new DataAwsDynamodbTables(this, 'tables', {
      lifecycle: {
        postcondition: [
          {
            condition: `\${contains(self.names, "${tableName}")}`,
            errorMessage: `${ADOPT_REFUSED} table "${tableName}" does not exist in ${region}; create it (hash key ${LOCK_HASH_KEY}, string), set ${SETTINGS.lockTable.env} to the existing one, or unset ${SETTINGS.adopt.env} to create both`,
          },
        ],
      },
    });
    new DataAwsDynamodbTable(this, 'existing-table', {
      name: tableName,
      dependsOn: [tables],
      lifecycle: {
        postcondition: [
          {
            condition: `\${self.hash_key == "${LOCK_HASH_KEY}" && (self.range_key == null || self.range_key == "") && anytrue([for a in self.attribute : a.name == "${LOCK_HASH_KEY}" && a.type == "S"])}`,
            errorMessage: `${ADOPT_REFUSED} table "${tableName}" has the hash key "\${self.hash_key}"; Terraform's S3 backend needs the hash key ${LOCK_HASH_KEY} of type S (string) and no range key: use another table (${SETTINGS.lockTable.env})`,
          },
        ],
      },
    });
    props.lockTable.table.importFrom(tableName);
  }
}
