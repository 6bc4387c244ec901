// npm run state -- lock|versions|restore <version id> --yes [--stack app|app-<env>|bootstrap]
// Who holds the state lock (and how to release it), the state's version history, and a safe restore.
import { parseArgs } from 'util';
import { loadConfig } from '../config/load';
import { appStackName } from '../config/naming';
import { stackStateKey, UsageError } from '../exports/export';
import { describeLock, findLocks, listStateVersions, restoreStateVersion, StateOperationError } from '../ops/state';
import { awsClients } from './lib/aws';
import { UserError } from './lib/diagnose';
import { progress, runCommand, stackDir } from './lib/stacks';

const USAGE = 'usage: npm run state -- lock | versions | restore <version id> --yes   [--stack app|app-<env>|bootstrap]';

async function main(): Promise<void> {
  const { values, positionals } = withUsage(() =>
    parseArgs({ options: { stack: { type: 'string' }, yes: { type: 'boolean' } }, allowPositionals: true, strict: true }),
  );
  const [command, versionId] = positionals;
  const config = loadConfig();
  const stack = values.stack ?? appStackName();
  const key = withUsage(() => stackStateKey(config, stack));
  const clients = awsClients(config.region, config.endpoint);
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
      if (!values.yes) throw new UserError(`restore replaces the current state of ${stack}: add --yes to confirm (the current version stays in the history)`);
      progress(`restoring ${where} to version ${versionId}`);
      const result = await restoreStateVersion(clients, config, key, versionId).catch((error: unknown) => {
        throw error instanceof StateOperationError ? new UserError(error.message) : error;
      });
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
