// The benchmark's baseline: the same stacks written the way `cdktf init --template=typescript` sets a
// project up (ts-node as the app command, provider classes imported from the package root, one file).
// Not part of the product; `npm run bench` times it beside ours. Resources match stacks/ and constructs/.

import {
  dynamodbTable,
  kmsAlias,
  kmsKey,
  provider,
  s3Bucket,
  s3BucketLifecycleConfiguration,
  s3BucketOwnershipControls,
  s3BucketPolicy,
  s3BucketPublicAccessBlock,
  s3BucketServerSideEncryptionConfiguration,
  s3BucketVersioning,
  vpc,
} from '@cdktf/provider-aws';
import { App, LocalBackend, S3Backend, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';

const region = 'us-east-1';
const bucketName = 'tfstate-29a11c949bd6-us-east-1';
const tableName = 'terraform-locks';
const alias = `alias/${bucketName}`;
const tags = { ManagedBy: 'tfstate-backend', StateBucket: bucketName };

function awsProvider(scope: Construct) {
  new provider.AwsProvider(scope, 'aws', { region, defaultTags: [{ tags }] });
}

class BootstrapStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    awsProvider(this);
    new LocalBackend(this, { path: '../../../terraform.bootstrap.tfstate' });

    const lifecycle = { preventDestroy: true };
    const key = new kmsKey.KmsKey(this, 'key', {
      description: `Terraform state (${alias})`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      lifecycle,
    });
    const keyAlias = new kmsAlias.KmsAlias(this, 'alias', { name: alias, targetKeyId: key.keyId, lifecycle });

    const bucket = new s3Bucket.S3Bucket(this, 'state-bucket', { bucket: bucketName, lifecycle });
    const publicAccess = new s3BucketPublicAccessBlock.S3BucketPublicAccessBlock(this, 'public-access', {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new s3BucketOwnershipControls.S3BucketOwnershipControls(this, 'ownership', {
      bucket: bucket.id,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    const versioning = new s3BucketVersioning.S3BucketVersioningA(this, 'versioning', {
      bucket: bucket.id,
      versioningConfiguration: { status: 'Enabled' },
    });
    new s3BucketServerSideEncryptionConfiguration.S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket: bucket.id,
      rule: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: key.arn },
          bucketKeyEnabled: true,
        },
      ],
    });
    new s3BucketLifecycleConfiguration.S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: bucket.id,
      dependsOn: [versioning],
      rule: [
        {
          id: 'expire-noncurrent-state-versions',
          status: 'Enabled',
          filter: [{}],
          noncurrentVersionExpiration: [{ noncurrentDays: 90 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    const arn = `arn:aws:s3:::${bucketName}`;
    new s3BucketPolicy.S3BucketPolicy(this, 'policy', {
      bucket: bucket.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [arn, `${arn}/*`],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      }),
      dependsOn: [publicAccess],
    });
    const table = new dynamodbTable.DynamodbTable(this, 'lock-table', {
      name: tableName,
      hashKey: 'LockID',
      attribute: [{ name: 'LockID', type: 'S' }],
      billingMode: 'PAY_PER_REQUEST',
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: key.arn },
      deletionProtectionEnabled: true,
      lifecycle,
    });

    new TerraformOutput(this, 'bucket', { value: bucket.bucket });
    new TerraformOutput(this, 'region', { value: region });
    new TerraformOutput(this, 'lock_table', { value: table.name });
    new TerraformOutput(this, 'kms_key_arn', { value: key.arn });
    new TerraformOutput(this, 'kms_key_alias', { value: keyAlias.name });
    new TerraformOutput(this, 'backend_config', {
      value: {
        bucket: bucketName,
        key: 'app/terraform.tfstate',
        region,
        encrypt: true,
        kms_key_id: alias,
        dynamodb_table: tableName,
      },
    });
  }
}

class AppStack extends TerraformStack {
  constructor(scope: Construct, id: string, stateKey: string, environment: string) {
    super(scope, id);
    awsProvider(this);
    const backend = new S3Backend(this, { bucket: bucketName, key: stateKey });
    backend.addOverride('region', region);
    backend.addOverride('encrypt', true);
    backend.addOverride('kms_key_id', alias);
    backend.addOverride('dynamodb_table', tableName);
    const network = new vpc.Vpc(this, 'placeholder-vpc', {
      cidrBlock: '10.0.0.0/16',
      tags: { Name: `${id}-placeholder`, Environment: environment },
    });
    new TerraformOutput(this, 'vpc_id', { value: network.id });
  }
}

const app = new App();
new BootstrapStack(app, 'bootstrap');
new AppStack(app, 'app', 'app/terraform.tfstate', 'default');
const environments = (process.env.TFSTATE_ENVIRONMENTS ?? '').split(',').filter((e) => e !== '');
for (const environment of environments) {
  new AppStack(app, `app-${environment}`, `env/${environment}/terraform.tfstate`, environment);
}
app.synth();
