// npm run state -- <command>: who holds the state lock (and how to release it), the state's version history, and a
// safe restore; every state key of the bucket, and moving or deleting one. Each command is a row of COMMANDS.

import { loadConfig } from '../config/load';
import { appStackName, stackStateKey } from '../config/naming';
import { bucketNameRule, existingStateKeyRule } from '../config/rules';
import type { BackendConfig } from '../config/types';
import { UsageError, UserError } from '../errors';
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

const OPTIONS = {
  stack: { type: 'string' },
  yes: { type: 'boolean' },
  'force-lineage': { type: 'boolean' },
  'to-bucket': { type: 'string' },
  purge: { type: 'boolean' },
} as const;

/** What a command is run with: the clients, the settings, the flags, and the stack --stack names with its state. */
interface Context {
  readonly clients: StateClients;
  readonly config: BackendConfig;
  readonly flags: {
    readonly [flag in keyof typeof OPTIONS]?: (typeof OPTIONS)[flag]['type'] extends 'string' ? string : boolean;
  };
  readonly stack: string;
  readonly key: string;
  /** s3://bucket/key of the stack's state. */
  readonly where: string;
}

interface Command {
  /** Its synopsis after its name. */
  readonly usage: string;
  /** Acts on the state of the stack --stack names (else on keys of the bucket, named as arguments). */
  readonly ofStack: boolean;
  /** How many arguments it takes after its name (`lock app-dev` read as "the lock of app-dev" showed app's lock). */
  readonly args: number;
  readonly run: (context: Context, args: readonly string[]) => Promise<void>;
}

const say = (line: string) => progress(line);
/** Past 2 s `list` says how far it got: it is run by hand and waited on, and a silent terminal reads as a hang. */
const LIST_TICK_MS = 2_000;

const COMMANDS: Record<string, Command> = {
  lock: {
    usage: '',
    ofStack: true,
    args: 0,
    run: async ({ clients, config, stack, key, where }) => {
      const locks = await findLocks(clients, config, key);
      if (locks.length === 0) console.log(`${where}: not locked`);
      for (const lock of locks) console.log(`${where}: ${describeLock(lock, stackDir('.', stack))}`);
    },
  },
  versions: {
    usage: '',
    ofStack: true,
    args: 0,
    run: async ({ clients, config, stack, key, where }) => {
      const versions = await listStateVersions(clients.s3, config.bucket, key);
      if (versions.length === 0) throw new UserError(`${where} has no versions: deploy ${stack} first`);
      console.log(`${where}: ${versions.length} version(s), newest first`);
      for (const version of versions) {
        console.log(
          `  ${version.versionId}  ${version.lastModified.toISOString()}  ${version.size} bytes${version.isLatest ? '  (current)' : ''}`,
        );
      }
    },
  },
  restore: {
    usage: ' <version id> --yes [--force-lineage]',
    ofStack: true,
    args: 1,
    run: async ({ clients, config, flags, stack, key, where }, [versionId]) => {
      if (!versionId)
        throw new UsageError(`restore needs a version id (see: npm run state -- versions --stack ${stack})`);
      if (!flags.yes)
        throw new UserError(
          `restore replaces the current state of ${stack}: add --yes to confirm (the current version stays in the history)`,
        );
      progress(`restoring ${where} to version ${versionId}`);
      const forceLineage = flags['force-lineage'] === true;
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
    },
  },
  list: {
    usage: '',
    ofStack: false,
    args: 0,
    run: async ({ clients, config }) => {
      let listed = 0;
      const states = await withTicker(
        () => `listing s3://${config.bucket}: ${listed} version(s) and delete marker(s) so far`,
        listStates(
          { ...clients, s3: awsClients(config.region, config.endpoint, BULK_LIMITS).s3 },
          config,
          (count) => (listed = count),
        ),
        LIST_TICK_MS,
      );
      for (const line of stateListLines(config.bucket, states)) console.log(line);
    },
  },
  move: {
    usage: ' <from key> <to key> [--to-bucket <name>]',
    ofStack: false,
    args: 2,
    run: async ({ clients, config, flags }, args) => {
      const [from, to] = stateKeys(args, 2, 'move <from key> <to key>');
      const toBucket = flags['to-bucket'];
      if (toBucket !== undefined && bucketNameRule(toBucket))
        throw new UsageError(`--to-bucket ${JSON.stringify(toBucket)}: ${bucketNameRule(toBucket)}`);
      await moveState(clients, config, from, to, toBucket ?? config.bucket, say);
    },
  },
  delete: {
    usage: ' <key> --yes [--purge]',
    ofStack: false,
    args: 1,
    run: async ({ clients, config, flags }, args) => {
      const [target] = stateKeys(args, 1, 'delete <key> --yes [--purge]');
      const purge = flags.purge === true;
      if (!flags.yes)
        throw new UserError(
          `delete removes the current state at s3://${config.bucket}/${target}: add --yes to confirm (${purge ? 'with --purge every version is deleted for good' : 'its versions stay restorable'})`,
        );
      await deleteState(clients, config, target, purge, say);
    },
  },
};

const synopsis = (ofStack: boolean) =>
  Object.entries(COMMANDS)
    .filter(([, command]) => command.ofStack === ofStack)
    .map(([name, command]) => `${name}${command.usage}`)
    .join(' | ');
const USAGE = `usage: npm run state -- ${synopsis(true)}   [--stack app|app-<env>|bootstrap]\n       npm run state -- ${synopsis(false)}`;

async function main(): Promise<void> {
  const { values: flags, positionals } = parseCommandLine({ options: OPTIONS, allowPositionals: true, strict: true });
  const config = loadConfig();
  const stack = flags.stack ?? appStackName();
  const key = stackStateKey(config, stack);
  const [name, ...args] = positionals;
  const command = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined)
    throw new UsageError(
      name
        ? `unknown command "${name}"`
        : `name a command: ${Object.keys(COMMANDS)
            .join(', ')
            .replace(/, (\w+)$/, ' or $1')}`,
    );
  if (args.length > command.args)
    throw new UsageError(
      `${name} takes ${command.args === 0 ? 'no argument' : `${command.args} argument${command.args > 1 ? 's' : ''}`}, got also ${JSON.stringify(args.slice(command.args).join(' ').slice(0, 100))} (a stack is --stack <name>)`,
    );
  const clients = awsClients(config.region, config.endpoint);
  const context = { clients, config, flags, stack, key, where: `s3://${config.bucket}/${key}` };
  await command.run(context, args).catch((error: unknown) => {
    const name = (error as { name?: string }).name;
    if (name === 'NoSuchBucket' || name === 'ResourceNotFoundException') {
      throw new UserError(
        `${name}: the state bucket ${config.bucket} or the lock table ${config.lockTable ?? '(none)'} does not exist: deploy the bootstrap stack first`,
      );
    }
    throw error;
  });
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
