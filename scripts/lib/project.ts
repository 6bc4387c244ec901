// This project's folders: its root, the gitignored .local (CLI config, plugin cache, run logs), and where cdktf
// synthesizes each stack.
import { join } from 'node:path';

/** This project's root, and its gitignored folder for the CLI config, plugin cache and run logs. */
export const PROJECT_ROOT = join(__dirname, '..', '..');
export const LOCAL_DIR = join(PROJECT_ROOT, '.local');

/** The synthesized Terraform working directory of a stack, for direct terraform commands. */
export function stackDir(projectDir: string, stack: string): string {
  return join(projectDir, 'cdktf.out', 'stacks', stack);
}
