// A deploy Terraform refuses because it would destroy a protected resource (lifecycle.prevent_destroy) says so in
// one line: which resource, that it is protected, the way out. The outputs are real: bootstrap deployed on moto,
// then deployed again with TFSTATE_LOCK_TABLE=terraform-locks-renamed (cdktf's output, and the read-only plan), or
// with TFSTATE_BUCKET=tfstate-renamed-e2e (fixtures/bucket-renamed.plan.txt).

import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { UserError } from '../errors';
import { isBootstrapState, refuseForeignState } from '../scripts/deploy';
import { withLostErrors } from '../scripts/lib/cdktf';
import { explainFailure, protectedFromDestroy } from '../scripts/lib/diagnose';
import type { RunResult } from '../scripts/lib/run';
import { configFrom, dirWithConfig } from './helpers';

/** cdktf deploy bootstrap's output (an excerpt): each line after the stack's name indented, the error boxed. */
const CDKTF_REFUSED = `           Terraform planned the following actions, but then encountered a problem:

             # aws_dynamodb_table.lock-table_D28631D7 (lock-table/table) must be replaced
           -/+ resource "aws_dynamodb_table" "lock-table_D28631D7" {
                 ~ arn                         = "arn:aws:dynamodb:us-east-1:123456789012:table/terraform-locks" -> (known after apply)
                 ~ id                          = "terraform-locks" -> (known after apply)
                 ~ name                        = "terraform-locks" -> "terraform-locks-renamed" # forces replacement
                 ~ read_capacity               = 0 -> (known after apply)
           Plan: 1 to add, 2 to change, 1 to destroy.
           
           Changes to Outputs:
             ~ backend_config        = {
                 ~ dynamodb_table              = "terraform-locks" -> "terraform-locks-renamed"
                   # (11 unchanged attributes hidden)
               }
           ╷
           │ Error: Instance cannot be destroyed
           │ 
           │   on cdk.tf.json line 137, in resource.aws_dynamodb_table:
           │  137:       "lock-table_D28631D7": {
           │ 
           │ Resource aws_dynamodb_table.lock-table_D28631D7 (lock-table/table) has lifecycle.prevent_destroy
           │ set, but the plan calls for this resource to be destroyed. To avoid this
           │ error and continue with the plan, either disable lifecycle.prevent_destroy or
           │ reduce the scope of the plan using the -target option.
           ╵


0 Stacks deploying     1 Stack done     0 Stacks waiting
Invoking Terraform CLI failed with exit code 1
error: cdktf deploy bootstrap: failed (exit 1): Instance cannot be destroyed`;

/** terraform plan -lock=false in the stack's folder, as the deploy re-runs it when cdktf's output lost the error. */
const PLAN_REFUSED = `Terraform planned the following actions, but then encountered a problem:

  # aws_dynamodb_table.lock-table_D28631D7 must be replaced
-/+ resource "aws_dynamodb_table" "lock-table_D28631D7" {
      ~ arn                         = "arn:aws:dynamodb:us-east-1:123456789012:table/terraform-locks" -> (known after apply)
      ~ id                          = "terraform-locks" -> (known after apply)
      ~ name                        = "terraform-locks" -> "terraform-locks-renamed" # forces replacement
Plan: 1 to add, 2 to change, 1 to destroy.

Changes to Outputs:
  ~ backend_config        = {
      ~ dynamodb_table              = "terraform-locks" -> "terraform-locks-renamed"
        # (11 unchanged attributes hidden)
    }

Error: Instance cannot be destroyed

  on cdk.tf.json line 137, in resource.aws_dynamodb_table:
 137:       "lock-table_D28631D7": {

Resource aws_dynamodb_table.lock-table_D28631D7 has lifecycle.prevent_destroy
set, but the plan calls for this resource to be destroyed. To avoid this
error and continue with the plan, either disable lifecycle.prevent_destroy or
reduce the scope of the plan using the -target option.`;

const WAY_OUT = 'restore the setting that named it; to remove the whole backend, npm run teardown';

describe('a refused destroy', () => {
  test.each([
    ['cdktf', CDKTF_REFUSED],
    ['terraform plan', PLAN_REFUSED],
  ])('is named by what it is and its current name, from %s output', (_, output) => {
    expect(protectedFromDestroy(output)).toBe(
      `this change would destroy the lock table "terraform-locks" (aws_dynamodb_table.lock-table_D28631D7), protected by prevent_destroy: to keep it, ${WAY_OUT}`,
    );
  });
  test('a renamed state bucket: the three resources it would destroy, in one line (the whole plan, real)', () => {
    const plan = readFileSync(join(__dirname, 'fixtures', 'bucket-renamed.plan.txt'), 'utf8');
    expect(protectedFromDestroy(plan)).toBe(
      'this change would destroy the state\'s KMS alias "alias/tfstate-29a11c949bd6-us-east-1" (aws_kms_alias.state-key_alias_63E2A9D5), ' +
        'the log bucket "tfstate-29a11c949bd6-us-east-1-logs" (aws_s3_bucket.log-bucket_38F5EEF0) and the state bucket "tfstate-29a11c949bd6-us-east-1" (aws_s3_bucket.state-bucket_828F7150), ' +
        'protected by prevent_destroy: to keep them, restore the setting that named them (to leave a bucket for a new one, move each state first: npm run state -- move <key> <key> --to-bucket <new>); to remove the whole backend, npm run teardown',
    );
  });
  test('a resource that is not one of ours is named by its address', () => {
    const other = PLAN_REFUSED.replace(/lock-table_D28631D7/g, 'extra_0123ABCD').replace(
      /aws_dynamodb_table/g,
      'aws_sqs_queue',
    );
    expect(protectedFromDestroy(other)).toBe(
      `this change would destroy aws_sqs_queue.extra_0123ABCD "terraform-locks", protected by prevent_destroy: to keep it, ${WAY_OUT}`,
    );
  });
  test('is what the failure line says, ahead of the error summary', () => {
    expect(
      explainFailure('cdktf deploy bootstrap', { code: 1, output: CDKTF_REFUSED, timedOut: false, seconds: 20 }, 'b'),
    ).toBe(
      `cdktf deploy bootstrap: this change would destroy the lock table "terraform-locks" (aws_dynamodb_table.lock-table_D28631D7), protected by prevent_destroy: to keep it, ${WAY_OUT}`,
    );
    expect(protectedFromDestroy('Error: Instance cannot be created')).toBeUndefined();
  });
});

describe('errors cdktf lost are printed again by a read-only plan', () => {
  // A terraform that prints its arguments and folder: which stacks were planned, and how.
  const bin = mkdtempSync(join(tmpdir(), 'fake-terraform-'));
  writeFileSync(join(bin, 'terraform'), '#!/bin/sh\necho "planned $(basename "$PWD"): $*"\n');
  chmodSync(join(bin, 'terraform'), 0o755);
  const dir = mkdtempSync(join(tmpdir(), 'project-'));
  for (const stack of ['bootstrap', 'app']) mkdirSync(join(dir, 'cdktf.out', 'stacks', stack), { recursive: true });
  const runner = { dir, env: { PATH: `${bin}:${process.env.PATH}` } };
  const failed = (output: string): RunResult => ({ code: 1, output, timedOut: false, seconds: 1 });

  test('a failure without a Terraform error: each unfinished stack is planned, without a lock', async () => {
    const result = await withLostErrors(
      runner,
      ['bootstrap', 'app'],
      failed('bootstrap  Invoking Terraform CLI failed with exit code 1\n'),
    );
    expect(result.output).toBe(
      'bootstrap  Invoking Terraform CLI failed with exit code 1\nplanned bootstrap: plan -input=false -no-color -lock=false\nplanned app: plan -input=false -no-color -lock=false\n',
    );
    const applied = await withLostErrors(
      runner,
      ['bootstrap', 'app'],
      failed('bootstrap  Apply complete! Resources: 0 added.\n'),
    );
    expect(applied.output).toBe(
      'bootstrap  Apply complete! Resources: 0 added.\nplanned app: plan -input=false -no-color -lock=false\n',
    );
  });
  test('nothing is planned when the error is there, the run succeeded, or a bound of ours stopped it', async () => {
    for (const result of [
      failed('Error: boom'),
      { ...failed(''), code: 0 },
      { ...failed(''), timedOut: true, code: null },
      { ...failed(''), stalled: true, code: null },
    ]) {
      expect(await withLostErrors(runner, ['bootstrap'], result)).toBe(result);
    }
  });
});

// The file may set the state keys: with bootstrap's state in the bucket (phase 3), a file swapping stateKey and
// bootstrapStateKey made `npm run deploy -- app` destroy bootstrap's bucket policy, public access blocks,
// versioning, encryption and key alias on moto, since prevent_destroy holds them only in bootstrap's configuration.
const CALLER = async () => '123456789012';

describe('an app stack is never deployed onto the state of bootstrap', () => {
  const BOOTSTRAP_STATE = JSON.stringify({
    version: 4,
    outputs: { backend_config: { value: {} }, kms_key_arn: { value: 'arn:aws:kms:us-east-1:123456789012:key/k' } },
    resources: [],
  });
  /** A bucket holding `objects` (key -> text); the keys asked recorded. */
  function bucket(objects: Record<string, string>): { s3: S3Client; asked: string[] } {
    const asked: string[] = [];
    const send = async (command: { input: { Key: string } }) => {
      asked.push(command.input.Key);
      const text = objects[command.input.Key];
      if (text === undefined) throw Object.assign(new Error('no key'), { name: 'NoSuchKey' });
      return { Body: { transformToString: async () => text } };
    };
    return { s3: { send } as unknown as S3Client, asked };
  }
  test("the file pointing stateKey at bootstrap's state: one line naming the file's key, the stack and the way out", async () => {
    const config = configFrom(
      {},
      dirWithConfig({
        bootstrapBackend: 's3',
        bootstrapStateKey: 'bootstrap-new/terraform.tfstate',
        stateKey: 'bootstrap/terraform.tfstate',
      }),
    );
    const { s3, asked } = bucket({ 'bootstrap/terraform.tfstate': BOOTSTRAP_STATE });
    await expect(refuseForeignState(s3, config, ['bootstrap', 'app'], CALLER)).rejects.toThrow(
      new UserError(
        "tfstate.config.json: stateKey gives stack app the state key \"bootstrap/terraform.tfstate\", which holds the bootstrap stack's state (outputs backend_config and kms_key_arn): deploying app there would destroy the backend's resources, since prevent_destroy holds them only in bootstrap's configuration; give app a key of its own",
      ),
    );
    expect(asked).toEqual(['bootstrap-new/terraform.tfstate', 'bootstrap/terraform.tfstate']);
  });
  test("an environment's key is named by its prefix", async () => {
    const config = configFrom({ TFSTATE_ENVIRONMENTS: 'dev', TFSTATE_ENV_KEY_PREFIX: 'env' });
    await expect(
      refuseForeignState(bucket({ 'env/dev/terraform.tfstate': BOOTSTRAP_STATE }).s3, config, ['app-dev'], CALLER),
    ).rejects.toThrow(
      'TFSTATE_ENV_KEY_PREFIX gives stack app-dev the state key "env/dev/terraform.tfstate", which holds the bootstrap stack\'s state',
    );
  });
  // A file naming another account's bucket: Terraform would plan from the state that account serves there.
  test("a bucket of another account: S3 refuses the read as the caller's bucket, and so does the deploy, in one line", async () => {
    const owners: (string | undefined)[] = [];
    const send = async (command: { input: { ExpectedBucketOwner?: string } }) => {
      owners.push(command.input.ExpectedBucketOwner);
      if (command.input.ExpectedBucketOwner !== undefined && command.input.ExpectedBucketOwner !== '444455556666')
        throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
      return {
        Body: {
          transformToString: async () =>
            JSON.stringify({ version: 4, resources: [{ type: 'aws_kms_key', name: 'planted' }] }),
        },
      };
    };
    const foreign = { send } as unknown as S3Client;
    const config = configFrom({}, dirWithConfig({ bucket: 'attacker-state-bucket' }));
    await expect(refuseForeignState(foreign, config, ['app'], CALLER)).rejects.toThrow(
      new UserError(
        'tfstate.config.json: bucket="attacker-state-bucket": reading the state of app as a bucket of account 123456789012 (the caller\'s) was refused: a bucket of another account would serve the state Terraform plans from, and the apply would destroy here whatever that state lists; name a bucket of this account (or grant these credentials the state)',
      ),
    );
    // Without the caller's account (STS failed) the read is unchecked, as Terraform's own would be.
    await expect(
      refuseForeignState(foreign, config, ['app'], async () => Promise.reject(new Error('no STS'))),
    ).resolves.toBeUndefined();
    expect(owners).toEqual(['123456789012', undefined]);
    // Local bootstrap state: nothing to read, no STS call.
    await expect(
      refuseForeignState(foreign, config, ['bootstrap'], async () => Promise.reject(new Error('no call expected'))),
    ).resolves.toBeUndefined();
    expect(owners).toHaveLength(2);
  });
  test("an app's own state, no state yet, or a state that is not JSON: deployed as before", async () => {
    const config = configFrom({});
    const app = JSON.stringify({ version: 4, outputs: { kms_key_arn: { value: 'x' } }, resources: [] });
    await expect(
      refuseForeignState(bucket({ 'app/terraform.tfstate': app }).s3, config, ['app'], CALLER),
    ).resolves.toBeUndefined();
    await expect(refuseForeignState(bucket({}).s3, config, ['app'], CALLER)).resolves.toBeUndefined();
    await expect(
      refuseForeignState(bucket({ 'app/terraform.tfstate': '{"outputs": null' }).s3, config, ['app'], CALLER),
    ).resolves.toBeUndefined();
    expect([BOOTSTRAP_STATE, 'null', '[]', '{"outputs": {"backend_config": 1}}'].map(isBootstrapState)).toEqual([
      true,
      false,
      false,
      false,
    ]);
  });
});
