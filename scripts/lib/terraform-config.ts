// Where Terraform finds the AWS provider offline, the CLI config file that tells it so, and the environment
// every terraform and cdktf process gets. The project writes its own CLI config (never the user's
// ~/.terraformrc) and hands it to the processes it starts.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import providerPackage from '@cdktf/provider-aws/package.json';
import { SETTINGS } from '../../config/settings';
import { UserError } from '../../errors';
import { onPath } from './run';

/**
 * The provider build the stacks are generated for, as a mirror path: the prebuilt provider package's pin
 * (5.100.0 for @cdktf/provider-aws 20.1.0, 6.66.0 for CDK Terrain's @cdktn/provider-aws 25.7.0).
 */
export const AWS_PROVIDER_PATH = join(
  'registry.terraform.io',
  'hashicorp',
  'aws',
  providerPackage.cdktf.provider.version,
);

/** Names a provider mirror folder explicitly; wins over discovery. */
export const MIRROR_ENV = 'TFSTATE_PROVIDER_MIRROR';

/** Folders searched, in order, for a filesystem mirror holding AWS_PROVIDER_PATH (README: "Provider mirror"). */
export function mirrorCandidates(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string[] {
  const dataHome = env.XDG_DATA_HOME || join(home, '.local', 'share');
  return [
    '/opt/tf-plugins',
    join(home, '.terraform.d', 'plugins'),
    join(dataHome, 'terraform', 'plugins'),
    '/usr/local/share/terraform/plugins',
    '/usr/share/terraform/plugins',
  ];
}

export type Mirror = { readonly path: string; readonly origin: 'env' | 'discovered' } | undefined;

/**
 * The mirror to use: TFSTATE_PROVIDER_MIRROR (which must hold the provider), else the first candidate
 * that holds it, else undefined (Terraform then downloads providers itself). Throws a one-line Error
 * when the variable names a folder without the provider.
 */
export function findProviderMirror(
  env: NodeJS.ProcessEnv = process.env,
  candidates: readonly string[] = mirrorCandidates(env),
  exists: (path: string) => boolean = existsSync,
): Mirror {
  const explicit = env[MIRROR_ENV];
  if (explicit) {
    if (!exists(join(explicit, AWS_PROVIDER_PATH))) {
      throw new Error(
        `${MIRROR_ENV}=${JSON.stringify(explicit)}: holds no ${AWS_PROVIDER_PATH} (the unpacked filesystem-mirror layout)`,
      );
    }
    return { path: explicit, origin: 'env' };
  }
  const found = candidates.find((folder) => exists(join(folder, AWS_PROVIDER_PATH)));
  return found === undefined ? undefined : { path: found, origin: 'discovered' };
}

/**
 * A Terraform CLI config that installs hashicorp/* providers from the mirror only (so an offline
 * machine never tries the registry for them) and everything else directly.
 */
export function renderCliConfig(mirrorPath: string): string {
  const hashicorp = JSON.stringify('registry.terraform.io/hashicorp/*');
  return [
    'provider_installation {',
    '  filesystem_mirror {',
    `    path    = ${JSON.stringify(mirrorPath)}`,
    `    include = [${hashicorp}]`,
    '  }',
    '  direct {',
    `    exclude = [${hashicorp}]`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/**
 * Writes the CLI config into `dir` (created if missing) and returns the variables a terraform or cdktf
 * process needs: TF_CLI_CONFIG_FILE with a mirror, an empty value without one (which also silences the
 * warning about a TF_CLI_CONFIG_FILE that points at a missing file). The plugin cache goes into `dir` too:
 * cdktf would otherwise create one in the user's home.
 */
export function terraformEnv(dir: string, mirror: Mirror): Record<string, string> {
  const pluginCache = join(dir, 'plugin-cache');
  mkdirSync(pluginCache, { recursive: true });
  const base = { CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_PLUGIN_CACHE_DIR: pluginCache };
  if (mirror === undefined) return { ...base, TF_CLI_CONFIG_FILE: '' };
  const file = join(dir, 'terraform.rc');
  writeFileSync(file, renderCliConfig(mirror.path));
  return { ...base, TF_CLI_CONFIG_FILE: file };
}

/**
 * The environment for cdktf/terraform: `base`, the CLI config and plugin cache in `localDir` (a gitignored
 * folder), plain (non-TUI) output via CI=true, then `extra` (settings, emulator endpoint, credentials).
 * Throws a UserError when terraform is not installed or TFSTATE_PROVIDER_MIRROR is wrong.
 */
export function stackEnv(
  localDir: string,
  base: NodeJS.ProcessEnv,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  if (!onPath('terraform', base))
    throw new UserError('terraform not found on PATH: install Terraform >= 1.10 (1.11.4 is tested)');
  let mirror: ReturnType<typeof findProviderMirror>;
  try {
    mirror = findProviderMirror(base);
  } catch (error) {
    throw new UserError((error as Error).message);
  }
  return { ...base, ...terraformEnv(localDir, mirror), CI: 'true', ...extra };
}

/** `env` without the project's settings (TFSTATE_*, AWS_ENDPOINT_URL): a run that must not see the caller's. */
export function withoutSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(([name]) => !name.startsWith('TFSTATE_') && name !== SETTINGS.endpoint.env),
  );
}
