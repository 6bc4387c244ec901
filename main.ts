import { loadConfig } from './config/load';
import { runCommand } from './scripts/lib/shell';
import { buildApp } from './stacks/app';
import { emulatorWarnings } from './stacks/emulator';

runCommand(() => {
  const config = loadConfig();
  for (const line of emulatorWarnings(config)) console.error(line);
  buildApp(config).synth();
});
