import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TerraformStack, Testing } from 'cdktf';
import { loadConfig } from '../config/load';
import type { BackendConfig } from '../config/types';
import { ConfigError } from '../errors';
import { buildApp } from '../stacks/app';

export const PROJECT_ID = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

/**
 * The state bucket's lifecycle rules as Terraform receives them with the default 90-day retention: written
 * out here once, for the construct, replication and stack tests (lockfile litter: see lifecycle.test.ts for
 * what the rules may and may not delete).
 */
export const STATE_LIFECYCLE_RULES = [
  {
    id: 'expire-noncurrent-state-versions',
    status: 'Enabled',
    filter: [{}],
    noncurrent_version_expiration: [{ noncurrent_days: 90 }],
    abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
  },
  {
    id: 'remove-expired-delete-markers',
    status: 'Enabled',
    filter: [{}],
    expiration: [{ expired_object_delete_marker: true }],
  },
];

/** A folder with no config file in it, so only the given environment counts. */
export const EMPTY_DIR = mkdtempSync(join(tmpdir(), 'tfstate-test-'));

export function configFrom(env: Record<string, string> = {}, cwd = EMPTY_DIR): BackendConfig {
  return loadConfig({ env, cwd, projectId: PROJECT_ID });
}

/** The problems loading these settings reports (fails the test when it loads fine). */
export function problemsOf(env: Record<string, string>, cwd = EMPTY_DIR): readonly string[] {
  try {
    configFrom(env, cwd);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

/** A fresh folder holding tfstate.config.json with these contents (a string is written as is). */
export function dirWithConfig(contents: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'tfstate-config-'));
  writeFileSync(join(dir, 'tfstate.config.json'), typeof contents === 'string' ? contents : JSON.stringify(contents));
  return dir;
}

/** The synthesized JSON (as text, for cdktf's matchers) and parsed, of every stack. */
export interface Synthesized {
  readonly text: string;
  readonly json: TerraformJson;
}

export interface TerraformJson {
  readonly terraform: { readonly backend: Record<string, Record<string, unknown>> };
  readonly provider: { readonly aws: Record<string, unknown>[] };
  readonly resource: Record<string, Record<string, Record<string, unknown>>>;
  readonly output: Record<string, { readonly value: unknown }>;
}

/**
 * Each stack's synthesized text, by settings. Tests only read the output, so a file synthesizes each config once
 * and every call parses its own copy. In the mutation run (MUTATION_FOLDER set) the memo is per test: a mutant is
 * run only against the tests that reached it, and with one synth per file that would be the first test alone.
 */
const synthesized = new Map<string, Record<string, string>>();

export function synthAll(env: Record<string, string> = {}): Record<string, Synthesized> {
  const key = JSON.stringify([process.env.MUTATION_FOLDER && expect.getState().currentTestName, env]);
  let texts = synthesized.get(key);
  if (!texts) {
    const app = buildApp(configFrom(env), Testing.app());
    texts = {};
    for (const child of app.node.children) {
      if (child instanceof TerraformStack) texts[child.node.id] = Testing.synth(child);
    }
    synthesized.set(key, texts);
  }
  return Object.fromEntries(
    Object.entries(texts).map(([id, text]) => [id, { text, json: JSON.parse(text) as TerraformJson }]),
  );
}

/** The single resource of a type in a stack (fails the test when there is not exactly one). */
export function onlyResource(stack: Synthesized, type: string): Record<string, unknown> {
  const resources = Object.values(stack.json.resource[type] ?? {});
  if (resources.length !== 1) throw new Error(`expected exactly one ${type}, found ${resources.length}`);
  return resources[0];
}

/** The one resource of a type made by the construct with this id (cdktf names it `<id>_<hash>`). */
export function resourceOf(stack: Synthesized, type: string, constructId: string): Record<string, unknown> {
  const found = Object.entries(stack.json.resource[type] ?? {}).filter(([name]) =>
    new RegExp(`^${constructId}_[0-9A-F]{8}$`).test(name),
  );
  if (found.length !== 1) throw new Error(`expected exactly one ${type} of ${constructId}, found ${found.length}`);
  return found[0][1];
}

/** Resources by type and logical id, as parsed from synthesized JSON. */
export type Resources = Record<string, Record<string, Record<string, unknown>>>;

/** Synthesizes what build adds to a fresh stack and returns its resources (each test synthesizes what it asserts on). */
export function synthResources(build: Parameters<typeof Testing.synthScope>[0]): Resources {
  return (JSON.parse(Testing.synthScope(build)) as { resource: Resources }).resource;
}

/** The statements of a policy document held as JSON text in a resource attribute. */
export function statementsOf(resource: Record<string, unknown>, attribute = 'policy'): Record<string, unknown>[] {
  return (JSON.parse(resource[attribute] as string) as { Statement: Record<string, unknown>[] }).Statement;
}

/** The app stack's backend settings of the test config, apart from locking. */
export const APP_BACKEND = {
  bucket: 'tfstate-0a1b2c3d4e5f-us-east-1',
  key: 'app/terraform.tfstate',
  region: 'us-east-1',
  encrypt: true,
  kms_key_id: 'alias/tfstate-0a1b2c3d4e5f-us-east-1',
};
