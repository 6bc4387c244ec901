import { loadConfig } from './config/load';
import { targetWarnings } from './config/target';
import { runCommand } from './scripts/lib/shell';
import { buildApp } from './stacks/app';

runCommand(() => {
  const config = loadConfig();
  for (const line of targetWarnings(config)) console.error(line);
  buildApp(config).synth();
});
