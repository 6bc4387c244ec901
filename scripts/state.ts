// npm run state -- lock|versions|restore <version id> --yes [--stack app|app-<env>|bootstrap]
//                  list | move <from> <to> [--to-bucket <name>] | delete <key> --yes [--purge]
// Who holds the state lock (and how to release it), the state's version history, and a safe restore;
// every state key of the bucket, and moving or deleting one.
import { UsageError, UserError } from '../config/errors';
import { loadConfig } from '../config/load';
import { appStackName, stackStateKey } from '../config/naming';
import { bucketNameRule, existingStateKeyRule } from '../config/rules';
import type { BackendConfig } from '../config/types';
import { listStateVersions } from '../ops/bucket';
import { deleteState, listStates, moveState, type StateKeySummary } from '../ops/keys';
import { describeLock, findLocks } from '../ops/locks';
import type { StateClients } from '../ops/operation';
import { printable } from '../ops/printable';
import { restoreStateVersion } from '../ops/restore';
import { awsClients, BULK_LIMITS } from './lib/aws';
import { stackDir } from './lib/project';
import { parseCommandLine, progress, runCommand } from './lib/shell';
import { withTicker } from './lib/ticker';

const USAGE =
  'usage: npm run state -- lock | versions | restore <version id> --yes [--force-lineage]   [--stack app|app-<env>|bootstrap]\n' +
  '       npm run state -- list | move <from key> <to key> [--to-bucket <name>] | delete <key> --yes [--purge]';

interface Request {
  readonly command: string | undefined;
  readonly versionId: string | undefined;
  readonly confirmed: boolean;
  readonly forceLineage: boolean;
  readonly stack: string;
  readonly key: string;
  /** Positional arguments after the command (the keys of move and delete). */
  readonly args: readonly string[];
  readonly toBucket: string | undefined;
  readonly purge: boolean;
}

async function main(): Promise<void> {
  const { values, positionals } = parseCommandLine({
    options: {
      stack: { type: 'string' },
      yes: { type: 'boolean' },
      'force-lineage': { type: 'boolean' },
      'to-bucket': { type: 'string' },
      purge: { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  const config = loadConfig();
  const stack = values.stack ?? appStackName();
  const request = {
    command: positionals[0],
    versionId: positionals[1],
    confirmed: values.yes === true,
    forceLineage: values['force-lineage'] === true,
    stack,
    key: stackStateKey(config, stack),
    args: positionals.slice(1),
    toBucket: values['to-bucket'],
    purge: values.purge === true,
  };
  await perform(awsClients(config.region, config.endpoint), config, request).catch((error: unknown) => {
    const name = (error as { name?: string }).name;
    if (name === 'NoSuchBucket' || name === 'ResourceNotFoundException') {
      throw new UserError(
        `${name}: the state bucket ${config.bucket} or the lock table ${config.lockTable ?? '(none)'} does not exist: deploy the bootstrap stack first`,
      );
    }
    throw error;
  });
}

/** Positional arguments each command takes after its name (move and delete check their keys in stateKeys). */
const ARGUMENTS: Record<string, number> = { list: 0, lock: 0, versions: 0, restore: 1 };

async function perform(
  clients: StateClients,
  config: BackendConfig,
  { command, versionId, confirmed, forceLineage, stack, key, args, toBucket, purge }: Request,
): Promise<void> {
  const where = `s3://${config.bucket}/${key}`;
  const say = (line: string) => progress(line);
  // `lock app-dev` read as "the lock of app-dev" showed app's lock; move and delete count their keys themselves.
  const allowed = command !== undefined && Object.hasOwn(ARGUMENTS, command) ? ARGUMENTS[command] : args.length;
  if (args.length > allowed)
    throw new UsageError(
      `${command} takes ${allowed === 0 ? 'no argument' : `${allowed} argument`}, got also ${JSON.stringify(args.slice(allowed).join(' ').slice(0, 100))} (a stack is --stack <name>)`,
    );
  switch (command) {
    case 'list': {
      let listed = 0;
      const states = await withTicker(
        () => `listing s3://${config.bucket}: ${listed} version(s) and delete marker(s) so far`,
        listStates(
          { ...clients, s3: awsClients(config.region, config.endpoint, BULK_LIMITS).s3 },
          config,
          (count) => (listed = count),
        ),
      );
      for (const line of stateListLines(config.bucket, states)) console.log(line);
      return;
    }
    case 'move': {
      const [from, to] = stateKeys(args, 2, 'move <from key> <to key>');
      if (toBucket !== undefined && bucketNameRule(toBucket))
        throw new UsageError(`--to-bucket ${JSON.stringify(toBucket)}: ${bucketNameRule(toBucket)}`);
      await moveState(clients, config, from, to, toBucket ?? config.bucket, say);
      return;
    }
    case 'delete': {
      const [target] = stateKeys(args, 1, 'delete <key> --yes [--purge]');
      if (!confirmed)
        throw new UserError(
          `delete removes the current state at s3://${config.bucket}/${target}: add --yes to confirm (${purge ? 'with --purge every version is deleted for good' : 'its versions stay restorable'})`,
        );
      await deleteState(clients, config, target, purge, say);
      return;
    }
    case 'lock': {
      const locks = await findLocks(clients, config, key);
      if (locks.length === 0) console.log(`${where}: not locked`);
      for (const lock of locks) console.log(`${where}: ${describeLock(lock, stackDir('.', stack))}`);
      return;
    }
    case 'versions': {
      const versions = await listStateVersions(clients.s3, config.bucket, key);
      if (versions.length === 0) throw new UserError(`${where} has no versions: deploy ${stack} first`);
      console.log(`${where}: ${versions.length} version(s), newest first`);
      for (const version of versions) {
        console.log(
          `  ${version.versionId}  ${version.lastModified.toISOString()}  ${version.size} bytes${version.isLatest ? '  (current)' : ''}`,
        );
      }
      return;
    }
    case 'restore': {
      if (!versionId)
        throw new UsageError(`restore needs a version id (see: npm run state -- versions --stack ${stack})`);
      if (!confirmed)
        throw new UserError(
          `restore replaces the current state of ${stack}: add --yes to confirm (the current version stays in the history)`,
        );
      progress(`restoring ${where} to version ${versionId}`);
      const result = await restoreStateVersion(clients, config, key, versionId, { forceLineage });
      if (result.replaced === 'corrupt')
        progress(
          'the current version was not a Terraform state (empty or not JSON): replaced; it stays in the history',
        );
      if (result.replaced === 'foreign')
        progress(
          'the current version was another state (other lineage): replaced (--force-lineage); it stays in the history',
        );
      progress(
        `restored as serial ${result.serial}${config.lockTable ? `, digest ${result.md5} written to ${config.lockTable}` : ''}`,
      );
      progress(`check it with a plan: npx cdktf diff ${stack}`);
      return;
    }
    default:
      throw new UsageError(
        command ? `unknown command "${command}"` : 'name a command: lock, versions, restore, list, move or delete',
      );
  }
}

/** What `state list` prints: a line per state key, escaped (the key and the lock's info are anyone's writing). */
export function stateListLines(bucket: string, states: readonly StateKeySummary[]): string[] {
  return [
    `s3://${bucket}: ${states.length} state key(s)`,
    ...states.map((state) => {
      const current = state.current
        ? `${state.current.size} bytes  ${state.current.lastModified.toISOString()}`
        : '(deleted: restorable from its versions)';
      const lock =
        state.locks.length > 0
          ? `locked by ${state.locks[0].info.Who} (ID ${state.locks[0].info.ID}, ${state.locks[0].info.Operation})`
          : 'not locked';
      return printable(`  ${state.key}  ${current}  ${state.versions} version(s)  ${lock}`);
    }),
  ];
}

/** Exactly `count` keys, each a valid state key. */
function stateKeys(args: readonly string[], count: number, form: string): string[] {
  if (args.length !== count) throw new UsageError(`${form}: expects ${count} key(s), got ${args.length}`);
  for (const key of args) {
    const broken = existingStateKeyRule(key);
    if (broken) throw new UsageError(`key "${printable(key)}": ${broken}`);
  }
  return [...args];
}

// The synopsis (two lines) follows every usage error on lines of its own.
if (require.main === module) runCommand(main, { usage: USAGE });
