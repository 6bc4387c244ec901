// npm run state -- lock|versions|restore <version id> --yes [--stack app|app-<env>|bootstrap]
// Who holds the state lock (and how to release it), the state's version history, and a safe restore.
import { parseArgs } from 'util';
import { loadConfig } from '../config/load';
import { appStackName } from '../config/naming';
import { BackendConfig } from '../config/types';
import { stackStateKey, UsageError } from '../exports/export';
import { describeLock, findLocks, listStateVersions, restoreStateVersion, StateClients, StateOperationError } from '../ops/state';
import { awsClients } from './lib/aws';
import { UserError } from './lib/diagnose';
import { progress, runCommand, stackDir } from './lib/stacks';

const USAGE = 'usage: npm run state -- lock | versions | restore <version id> --yes [--force-lineage]   [--stack app|app-<env>|bootstrap]';

interface Request {
  readonly command: string | undefined;
  readonly versionId: string | undefined;
  readonly confirmed: boolean;
  readonly forceLineage: boolean;
  readonly stack: string;
  readonly key: string;
}

async function main(): Promise<void> {
  const { values, positionals } = withUsage(() =>
    parseArgs({ options: { stack: { type: 'string' }, yes: { type: 'boolean' }, 'force-lineage': { type: 'boolean' } }, allowPositionals: true, strict: true }),
  );
  const config = loadConfig();
  const stack = values.stack ?? appStackName();
  const request = { command: positionals[0], versionId: positionals[1], confirmed: values.yes === true, forceLineage: values['force-lineage'] === true, stack, key: withUsage(() => stackStateKey(config, stack)) };
  await perform(awsClients(config.region, config.endpoint), config, request).catch((error: unknown) => {
    const name = (error as { name?: string }).name;
    if (name === 'NoSuchBucket' || name === 'ResourceNotFoundException') {
      throw new UserError(`${name}: the state bucket ${config.bucket} or the lock table ${config.lockTable ?? '(none)'} does not exist: deploy the bootstrap stack first`);
    }
    throw error instanceof StateOperationError ? new UserError(error.message) : error;
  });
}

async function perform(clients: StateClients, config: BackendConfig, { command, versionId, confirmed, forceLineage, stack, key }: Request): Promise<void> {
  const where = `s3://${config.bucket}/${key}`;
  switch (command) {
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
        console.log(`  ${version.versionId}  ${version.lastModified.toISOString()}  ${version.size} bytes${version.isLatest ? '  (current)' : ''}`);
      }
      return;
    }
    case 'restore': {
      if (!versionId) throw new UserError(`restore needs a version id (see: npm run state -- versions --stack ${stack})`);
      if (!confirmed) throw new UserError(`restore replaces the current state of ${stack}: add --yes to confirm (the current version stays in the history)`);
      progress(`restoring ${where} to version ${versionId}`);
      const result = await restoreStateVersion(clients, config, key, versionId, { forceLineage });
      if (result.replaced === 'corrupt') progress('the current version was not a Terraform state (empty or not JSON): replaced; it stays in the history');
      if (result.replaced === 'foreign') progress('the current version was another state (other lineage): replaced (--force-lineage); it stays in the history');
      progress(`restored as serial ${result.serial}${config.lockTable ? `, digest ${result.md5} written to ${config.lockTable}` : ''}`);
      progress(`check it with a plan: npx cdktf diff ${stack}`);
      return;
    }
    default:
      throw new UserError(command ? `unknown command "${command}"; ${USAGE}` : USAGE);
  }
}

function withUsage<T>(body: () => T): T {
  try {
    return body();
  } catch (error) {
    // parseArgs reports unknown flags with an ERR_PARSE_ARGS_* code.
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    throw usage ? new UserError(`${(error as Error).message}; ${USAGE}`) : error;
  }
}

runCommand(main);
