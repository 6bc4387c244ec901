// Restoring an older version of a state as the current one, safely: under the state's lock, above every serial
// of its history, refusing another state's lineage unless told, with the digest Terraform checks.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { BackendConfig } from '../config/types';
import { encryption, keyVersions, readObject, requireKeptInHistory } from './bucket';
import { md5Hex, writeDigest } from './lock-table';
import { acquire, operationLockInfo, whileHolding } from './locks';
import { type StateClients, StateOperationError } from './operation';

/** What the restore found as the current version, and so what it replaced. */
export type ReplacedState = 'none' | 'same-lineage' | 'corrupt' | 'foreign';

interface StateHead {
  readonly serial?: number;
  readonly lineage?: string;
}

/** The serial and lineage of a state's text, or undefined when the text is not a Terraform state. */
function stateHead(text: string): StateHead | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON, so not a state: it has no lineage below.
  }
  // Any JSON value destructures (null and undefined as nothing); only an object with a lineage is a state.
  const { serial, lineage } = (parsed ?? {}) as { serial?: unknown; lineage?: unknown };
  if (typeof lineage !== 'string' || (serial !== undefined && typeof serial !== 'number')) return undefined;
  return { serial: serial as number | undefined, lineage };
}

/**
 * The old state's resources under a serial above the current one and above every serial of the key's history
 * (`historySerials`: versions behind a delete marker count too), so Terraform (and any copy a user still holds)
 * sees the restore as the newest state of its lineage rather than a stale one. A current version that
 * is not a state (empty, truncated, not JSON) is simply replaced; one of another lineage only with
 * `forceLineage`, since restoring over it discards that other state's place as current.
 */
export function restoredStateText(
  oldText: string,
  currentText: string | undefined,
  forceLineage = false,
  historySerials: readonly number[] = [],
): { text: string; replaced: ReplacedState } {
  const old = stateHead(oldText);
  if (old === undefined)
    throw new StateOperationError(
      'the chosen version is not a Terraform state (not JSON with a lineage): pick another one (see the versions command)',
    );
  const current = currentText === undefined ? undefined : stateHead(currentText);
  const replaced: ReplacedState =
    currentText === undefined
      ? 'none'
      : current === undefined
        ? 'corrupt'
        : current.lineage === old.lineage
          ? 'same-lineage'
          : 'foreign';
  if (replaced === 'foreign' && !forceLineage) {
    throw new StateOperationError(
      `the version has lineage ${old.lineage}, the current state ${current?.lineage}: the current one belongs to another state (overwritten by another project?); add --force-lineage to restore this version over it anyway (the current one stays in the history)`,
    );
  }
  const serial = Math.max(old.serial ?? 0, current?.serial ?? 0, ...historySerials) + 1;
  return { text: `${JSON.stringify({ ...(JSON.parse(oldText) as object), serial }, null, 2)}\n`, replaced };
}

export interface RestoreResult {
  readonly serial: number;
  readonly md5: string;
  /** What was current before: a state of the same lineage, a corrupt object, another state, or nothing. */
  readonly replaced: ReplacedState;
}

/**
 * Writes an older version of the state back as the current one, with the digest item. The lock is taken first,
 * the way Terraform takes it, and only then are the versions listed and read, so no write can slip in between;
 * a held lock refuses the restore. The replaced version (corrupt or not) stays in the bucket's history.
 */
export async function restoreStateVersion(
  clients: StateClients,
  config: BackendConfig,
  key: string,
  versionId: string,
  options: { forceLineage?: boolean } = {},
): Promise<RestoreResult> {
  const release = await acquire(clients, config, key, operationLockInfo(config.bucket, key, 'tfstate-restore'));
  return whileHolding(release, `restored s3://${config.bucket}/${key} to version ${versionId}`, async () => {
    const versions = await keyVersions(clients.s3, config.bucket, key);
    const target = versions.find((version) => version.versionId === versionId && !version.deleteMarker);
    if (target === undefined)
      throw new StateOperationError(
        `version ${versionId.slice(0, 200)} of s3://${config.bucket}/${key} does not exist (see the versions command)`,
      );
    const latest = versions.find((version) => version.isLatest);
    await requireKeptInHistory(clients.s3, config.bucket, latest, 'the restore');
    // Every version is read once for its serial; only the chosen one's and the current one's texts are kept.
    const serials: number[] = [];
    const texts = new Map<string, string>();
    for (const version of versions.filter((entry) => !entry.deleteMarker)) {
      const versionText = await readObject(clients.s3, config.bucket, key, version.versionId);
      const kept = version === target || version === latest;
      // Lifecycle expiry may remove a noncurrent version after the listing: its serial is history no longer kept.
      if (versionText === undefined && !kept) continue;
      if (versionText === undefined)
        throw new StateOperationError(
          `version ${version.versionId} of s3://${config.bucket}/${key} disappeared while the restore read it: nothing was written; run the versions command and try again`,
        );
      serials.push(stateHead(versionText)?.serial ?? 0);
      if (kept) texts.set(version.versionId, versionText);
    }
    // A delete marker as the latest version means there is no current state to compare with.
    const currentText = latest && !latest.deleteMarker ? texts.get(latest.versionId) : undefined;
    const { text, replaced } = restoredStateText(texts.get(versionId)!, currentText, options.forceLineage, serials);
    await clients.s3.send(
      new PutObjectCommand({
        Bucket: config.bucket,
        Key: key,
        Body: text,
        ContentType: 'application/json',
        ...encryption(config),
      }),
    );
    if (config.lockTable !== undefined)
      await writeDigest(clients.dynamodb, config.lockTable, { bucket: config.bucket, key }, text);
    return { serial: (JSON.parse(text) as { serial: number }).serial, md5: md5Hex(text), replaced };
  });
}
