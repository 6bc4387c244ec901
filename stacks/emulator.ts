// What an emulator such as moto cannot do, taken out of the bootstrap stack in one place. The constructs write
// what real AWS gets; on an emulator the aspect below strips from them what it refuses, ignores or does not read
// back, and the same reasons make the command's warnings and the annotations on the constructs.
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketNotification } from '@cdktf/provider-aws/lib/s3-bucket-notification';
import type { S3BucketReplicationConfigurationRule } from '@cdktf/provider-aws/lib/s3-bucket-replication-configuration';
import { Annotations, type IAspect } from 'cdktf';
import type { IConstruct } from 'constructs';
import { SETTINGS } from '../config/settings';
import type { BackendConfig } from '../config/types';
import { PrivateBucket } from '../constructs/private-bucket';
import { StateReplication } from '../constructs/state-replication';
import { policyJson } from '../iam/document';

/** What the emulator leaves out of every bucket and why, in the order the warnings say it. */
const BUCKET_REASONS = [
  "the bucket policies' conditional deny statements (deny-without-TLS, deny uploads not encrypted with the state's KMS key) are left out, because emulators such as moto evaluate policy statements without their conditions and would refuse every request; real AWS keeps them",
  "the buckets' EventBridge notifications are left out, because moto does not read them back (every plan would show a change); real AWS keeps them",
  "the buckets' lifecycle configurations (noncurrent-version, delete-marker and log expiry) are left out, because AWS provider 5.100 waits about 55 s for each to settle and emulators never run lifecycle rules; real AWS keeps them",
];

const replicationReason = (replicaRegion: string) =>
  `replication to ${replicaRegion} is configured without its SSE-KMS source selection, which moto does not read back; moto stores the replication configuration but copies no object, so the replica stays empty there`;

/** An endpoint means an emulator: AWS domains are refused as endpoints. */
export const onEmulator = (config: Pick<BackendConfig, 'endpoint'>): boolean => config.endpoint !== undefined;

/** One warning line per thing the emulator leaves out, naming the setting the endpoint came from. */
export function emulatorWarnings(config: Pick<BackendConfig, 'endpoint' | 'replica' | 'origins'>): string[] {
  if (!onEmulator(config)) return [];
  const reasons = [...BUCKET_REASONS, ...(config.replica ? [replicationReason(config.replica.region)] : [])];
  const source = config.origins.endpoint ?? SETTINGS.endpoint.env;
  return reasons.map((reason) => `warning: ${source}=${config.endpoint}: ${reason}.`);
}

/**
 * Strips what the emulator cannot do from every bucket and replication under the scope it is added to: the
 * bucket policies' Denies (and a policy left empty), the EventBridge notifications, the lifecycle configurations
 * and replication's SSE-KMS source selection. Each construct it changes gets the reason as a warning.
 */
export class EmulatorLimits implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof PrivateBucket) {
      for (const reason of BUCKET_REASONS) Annotations.of(node).addWarning(reason);
      for (const child of node.node.children) {
        if (child instanceof S3BucketNotification || child instanceof S3BucketLifecycleConfiguration)
          node.node.tryRemoveChild(child.node.id);
      }
      const kept = node.policyStatements.filter((statement) => !node.denies.includes(statement));
      if (kept.length === 0) node.node.tryRemoveChild(node.policy.node.id);
      else node.policy.policy = policyJson(kept);
    } else if (node instanceof StateReplication) {
      Annotations.of(node).addWarning(replicationReason(node.replicaRegion));
      const rules = node.configuration.ruleInput as S3BucketReplicationConfigurationRule[];
      node.configuration.putRule(rules.map((rule) => ({ ...rule, sourceSelectionCriteria: undefined })));
    }
  }
}
