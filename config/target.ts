// What the deployment target can do. Real AWS does everything the constructs write; an emulator such as moto
// lacks some of it, and each such feature is left out of the synthesized output there. One object, derived once
// from the config, decides both what the constructs leave out and the warnings that say so.
import { SETTINGS } from './settings';
import type { BackendConfig } from './types';

export interface TargetProfile {
  /** Bucket-policy Deny statements with conditions (TLS only, upload encryption). */
  readonly conditionalDenies: boolean;
  /** EventBridge notifications of the buckets. */
  readonly eventNotifications: boolean;
  /** Lifecycle configurations of the buckets (noncurrent-version, delete-marker and log expiry). */
  readonly lifecycleRules: boolean;
  /** The SSE-KMS source selection of replication, which S3 needs to replicate KMS-encrypted objects. */
  readonly replicationSseKmsSelection: boolean;
}

export const REAL_AWS: TargetProfile = Object.freeze({
  conditionalDenies: true,
  eventNotifications: true,
  lifecycleRules: true,
  replicationSseKmsSelection: true,
});

/** moto: every feature it refuses, ignores or does not read back is off. */
export const EMULATOR: TargetProfile = Object.freeze({
  conditionalDenies: false,
  eventNotifications: false,
  lifecycleRules: false,
  replicationSseKmsSelection: false,
});

/** The profile of the configured target: an endpoint means an emulator (AWS domains are refused as endpoints). */
export function targetProfile(config: Pick<BackendConfig, 'endpoint'>): TargetProfile {
  return config.endpoint === undefined ? REAL_AWS : EMULATOR;
}

/** What an emulator leaves out of each feature and why, as a warning says it. */
const LEFT_OUT: Record<keyof TargetProfile, (replicaRegion: string | undefined) => string> = {
  conditionalDenies: () =>
    "the bucket policies' conditional deny statements (deny-without-TLS, deny uploads not encrypted with the state's KMS key) are left out, because emulators such as moto evaluate policy statements without their conditions and would refuse every request; real AWS keeps them",
  eventNotifications: () =>
    "the buckets' EventBridge notifications are left out, because moto does not read them back (every plan would show a change); real AWS keeps them",
  lifecycleRules: () =>
    "the buckets' lifecycle configurations (noncurrent-version, delete-marker and log expiry) are left out, because AWS provider 5.100 waits about 55 s for each to settle and emulators never run lifecycle rules; real AWS keeps them",
  replicationSseKmsSelection: (replicaRegion) =>
    `replication to ${replicaRegion} is configured without its SSE-KMS source selection, which moto does not read back; moto stores the replication configuration but copies no object, so the replica stays empty there`,
};

/** One warning line per feature the profile leaves out (replication's only when replication is configured). */
export function targetWarnings(
  config: Pick<BackendConfig, 'endpoint' | 'replica' | 'origins'>,
  profile: TargetProfile = targetProfile(config),
): string[] {
  // Stryker disable next-line StringLiteral: the project passes no profile that leaves a feature out without an endpoint; "(unset)" only keeps the line true for a caller that would
  const endpoint = config.endpoint ?? '(unset)';
  return (Object.keys(LEFT_OUT) as (keyof TargetProfile)[])
    .filter(
      (feature) => !profile[feature] && (feature !== 'replicationSseKmsSelection' || config.replica !== undefined),
    )
    .map(
      (feature) =>
        `warning: ${config.origins.endpoint ?? SETTINGS.endpoint.env}=${endpoint}: ${leftOutReason(feature, config.replica?.region)}.`,
    );
}

/** What the target leaves out of a feature and why: the text of the command's warning and of the annotation on the construct that leaves it out. */
export function leftOutReason(feature: keyof TargetProfile, replicaRegion?: string): string {
  return LEFT_OUT[feature](replicaRegion);
}
