import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import type { BackendConfig } from '../config/types';
import { addAwsProvider } from './aws-provider';
import { useStateBucket } from './s3-backend';

export interface AppStackProps {
  /** State object key in the state bucket. */
  readonly stateKey: string;
  /** Environment name, tagged on resources. @default "default" */
  readonly environment?: string;
}

/** Phase 2: a stack whose state lives in the bucket bootstrap created, locked per config.locking. */
export class AppStack extends TerraformStack {
  constructor(scope: Construct, id: string, config: BackendConfig, props: AppStackProps) {
    super(scope, id);
    addAwsProvider(this, config);
    useStateBucket(this, config, props.stateKey);

    // ---- Your infrastructure goes here. ----
    // The VPC is a free placeholder that proves state is written to and read from the bucket.
    const environment = props.environment ?? 'default';
    const vpc = new Vpc(this, 'placeholder-vpc', {
      cidrBlock: '10.0.0.0/16',
      tags: { Name: `${id}-placeholder`, Environment: environment },
    });
    // Adopt the VPC's default security group with no rules: nothing lands in it by accident and can talk.
    new DefaultSecurityGroup(this, 'placeholder-default-sg', {
      vpcId: vpc.id,
      tags: { Name: `${id}-default-deny-all` },
    });
    new TerraformOutput(this, 'vpc_id', {
      value: vpc.id,
      description: 'Placeholder VPC (replace with your infrastructure)',
    });
  }
}
