// `npm run scan [variant...]`: synthesizes each config variant into its own folder and runs the pinned checkov
// on every stack, offline. Fails on any failed check that security/checkov-skips.json does not cover, on a
// stack where checkov found nothing to check, and (when every variant ran) on a skip that no longer matches.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, UserError } from '../errors';
import { CHECKOV_SKIPS, type CheckovReport, classify, SCAN_VARIANTS, skipListProblems } from '../security/checkov';
import { runCommand } from './lib/shell';

const ROOT = join(__dirname, '..');
const OUT = join(ROOT, 'cdktf.out', 'scan');
const CHECKOV = process.env.CHECKOV_BIN ?? join(ROOT, '.venv', 'bin', 'checkov');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

// checkov offline: no policy metadata download, no platform mapping, no check for a newer release.
const CHECKOV_ENV = { BC_SKIP_MAPPING: 'TRUE', CKV_SKIP_PACKAGE_UPDATE_CHECK: 'true', LOG_LEVEL: 'WARNING' };

/** A failure the user can act on (exit 1), usable as an expression. */
function fail(message: string): never {
  throw new UserError(message);
}

function scan(): void {
  const requested = process.argv.slice(2);
  // Own keys only: `name in` took constructor and __proto__ (inherited from Object) for variants, scanning the default.
  for (const name of requested)
    if (!Object.hasOwn(SCAN_VARIANTS, name))
      throw new UsageError(`unknown variant "${name}" (known: ${Object.keys(SCAN_VARIANTS).join(', ')})`);
  const variants = requested.length > 0 ? requested : Object.keys(SCAN_VARIANTS);
  if (!existsSync(CHECKOV))
    fail(
      `${CHECKOV} not found: python3 -m venv .venv && .venv/bin/pip install -r requirements-scan.txt -c constraints.txt`,
    );
  const listProblems = skipListProblems();
  if (listProblems.length > 0) fail(listProblems.join('; '));

  const used = new Set<number>();
  let bad = 0;
  const totals = { passed: 0, failed: 0, skipped: 0 };
  for (const variant of variants) {
    const outdir = join(OUT, variant);
    rmSync(outdir, { recursive: true, force: true });
    mkdirSync(outdir, { recursive: true });
    // Only PATH and HOME from outside, so a stray TFSTATE_* in the shell cannot change what is scanned.
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, CDKTF_OUTDIR: outdir, ...SCAN_VARIANTS[variant] };
    const synth = spawnSync(TSX, ['main.ts'], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
    if (synth.status !== 0) fail(`${variant}: synth failed: ${synth.stderr.trim()}`);

    const stacks = readdirSync(join(outdir, 'stacks')).sort();
    const files = stacks.flatMap((stack) => ['-f', join(outdir, 'stacks', stack, 'cdk.tf.json')]);
    const args = ['--framework', 'terraform_json', '--skip-download', '--output', 'json', '--compact', ...files];
    const run = spawnSync(CHECKOV, args, {
      cwd: outdir,
      env: { ...process.env, ...CHECKOV_ENV },
      encoding: 'utf8',
      timeout: 300_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (run.error) fail(`${variant}: checkov did not run: ${run.error.message}`);
    let parsed: CheckovReport | (CheckovReport & { check_type: string })[];
    try {
      parsed = JSON.parse(run.stdout) as typeof parsed;
    } catch {
      fail(
        `${variant}: checkov output is not a JSON report (exit ${run.status}): ${(run.stderr || run.stdout).trim().slice(0, 500)}`,
      );
    }
    const report = Array.isArray(parsed)
      ? (parsed.find((r) => r.check_type === 'terraform_json') ?? fail(`${variant}: no terraform_json report`))
      : parsed;
    const result = classify(report, variant);
    for (const id of result.usedSkips) used.add(id);
    for (const stack of stacks) {
      const counts = result.stacks[stack] ?? { passed: 0, failed: 0, skipped: 0 };
      console.log(
        `${variant.padEnd(17)} ${stack.padEnd(10)} passed ${String(counts.passed).padStart(3)}  failed ${String(counts.failed).padStart(2)}  skipped ${String(counts.skipped).padStart(2)}`,
      );
      totals.passed += counts.passed;
      totals.failed += counts.failed;
      totals.skipped += counts.skipped;
      if (counts.passed === 0) {
        console.error(`scan: ${variant}/${stack}: checkov passed no check at all: it did not parse the stack`);
        bad++;
      }
    }
    for (const finding of result.unexpected) {
      console.error(
        `scan: ${variant}: FAILED ${finding.check_id} ${finding.check_name ?? ''} on ${finding.resource} (fix it, or add a skip with a reason to security/checkov-skips.json)`,
      );
      bad++;
    }
  }
  if (requested.length === 0) {
    CHECKOV_SKIPS.forEach((skip, i) => {
      if (!used.has(i)) {
        console.error(
          `scan: skip ${i} (${skip.check} on ${skip.resources.join(', ')}) matched nothing: remove it from security/checkov-skips.json`,
        );
        bad++;
      }
    });
  }
  console.log(
    `checkov total: passed=${totals.passed} failed=${totals.failed} skipped=${totals.skipped} (${variants.length} variants)`,
  );
  if (bad > 0) fail(`${bad} problem(s)`);
}

runCommand(scan, { prefix: 'scan: ' });
