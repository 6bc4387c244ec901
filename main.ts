import { targetWarnings } from './config/target';
import { loadConfig } from './config/load';
import { ConfigError } from './config/types';
import { buildApp } from './stacks/app';

try {
  const config = loadConfig();
  for (const line of targetWarnings(config)) console.error(line);
  buildApp(config).synth();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  for (const problem of error.problems) console.error(`tfstate config error: ${problem}`);
  process.exit(1);
}
