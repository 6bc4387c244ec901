// npm run backend-config -- --format <format> [--stack app] [--key k] [--for-account id] [--out file] [--role-arn <arn>]
//                           [--profile <name>]: the backend settings for a consumer (exports/export.ts's FORMATS).

import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { loadConfig } from '../config/load';
import { UserError } from '../errors';
import { readDeployed } from '../exports/deployed';
import { EXPORT_FORMATS, exportSettings, needsDeployed } from '../exports/export';
import { awsClients } from './lib/aws';
import { parseCommandLine, runCommand } from './lib/shell';

const USAGE = `usage: npm run backend-config -- [--format ${EXPORT_FORMATS.join('|')}] [--stack app|app-<env>|bootstrap] [--key <state key>] [--aws-creds-path <file>] [--level read-write|read-only|kops] [--for-account <12-digit id>] [--role-arn <IAM role ARN>] [--profile <AWS profile>] [--out <file>]`;

async function main(): Promise<void> {
  const { values } = parseCommandLine({
    options: {
      format: { type: 'string' },
      stack: { type: 'string' },
      key: { type: 'string' },
      'aws-creds-path': { type: 'string' },
      level: { type: 'string' },
      'for-account': { type: 'string' },
      'role-arn': { type: 'string' },
      profile: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const config = loadConfig();
  const request = {
    format: values.format,
    stack: values.stack,
    key: values.key,
    awsCredsPath: values['aws-creds-path'],
    level: values.level,
    forAccount: values['for-account'],
    roleArn: values['role-arn'],
    profile: values.profile,
  };
  // The key's ARN (and so the account) exists only once bootstrap is deployed; its outputs are read when needed.
  const clients = () => awsClients(config.region, config.endpoint);
  const callerAccount = async () => (await clients().sts.send(new GetCallerIdentityCommand({}))).Account ?? '';
  const deployed = needsDeployed(request)
    ? await readDeployed(config, join(__dirname, '..'), () => clients().s3, callerAccount)
    : {};
  const text = exportSettings(config, request, deployed);
  if (values.out) {
    const failed = writeOut(values.out, text);
    if (failed) throw new UserError(`--out ${JSON.stringify(values.out)}: ${failed}; nothing was written`);
    console.error(`wrote ${values.out}`);
  } else {
    process.stdout.write(text);
  }
}

/** Writes the file; a path the user got wrong is a one-line reason, not a stack trace. */
function writeOut(path: string, text: string): string | undefined {
  try {
    writeFileSync(path, text);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') return 'is a directory: name a file, e.g. state.s3.tfbackend inside it';
    if (code === 'ENOENT' || code === 'ENOTDIR') return `the folder ${JSON.stringify(dirname(path))} does not exist`;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return 'not writable (permission denied)';
    // Anything else the file system says (a full disk, a name too long, /proc) is about the path, not our code.
    if (code !== undefined) return `cannot be written (${(error as Error).message.slice(0, 200)})`;
    throw error;
  }
}

runCommand(main, { prefix: 'backend-config: ', usage: USAGE });
