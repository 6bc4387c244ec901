// A throwaway project folder for a run against an emulator: the sources are linked, while cdktf.out and
// the bootstrap's local state file land in the folder, never in the user's project.
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_FILE } from '../../config/settings';

/** What a cdktf run needs from the project: the app, its sources, its tools and its config. */
export const PROJECT_ENTRIES = [
  'cdktf.json',
  'main.ts',
  'config',
  'stacks',
  'constructs',
  'scripts',
  'node_modules',
  'package.json',
  'tsconfig.json',
  CONFIG_FILE,
];

export interface Workspace {
  readonly dir: string;
  /** Deletes the folder and everything in it (state, cdktf.out); safe to call twice. */
  remove(): void;
}

export function createWorkspace(projectRoot: string, prefix = 'tfstate-run-'): Workspace {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const entry of PROJECT_ENTRIES) {
    if (existsSync(join(projectRoot, entry))) symlinkSync(join(projectRoot, entry), join(dir, entry));
  }
  const remove = () => {
    process.removeListener('exit', remove);
    rmSync(dir, { recursive: true, force: true });
  };
  // Also on Ctrl-C or a crash (see exitOnSignals): no temp folder is left behind.
  process.once('exit', remove);
  return { dir, remove };
}
