// `npm run bench`: times the developer loop of this project beside the usual `cdktf init` setup kept in
// bench/baseline (ts-node, provider classes imported from the package root, ts-jest), on this machine, in
// one run. Prints a table and writes bench/results.json. A benchmark, not a test: it fails only when a
// measured command fails, never on a timing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startStateBucket } from './state-bucket';
import {
  formatMegabytes,
  formatRatio,
  formatSeconds,
  formatSummary,
  linearFit,
  markdownTable,
  ratio,
  relativeSpread,
  type Summary,
  stepSlopes,
  summarize,
} from './stats';

const ROOT = join(__dirname, '..');
const BASELINE = join(__dirname, 'baseline');
const CDKTF = join(ROOT, 'node_modules', '.bin', 'cdktf');
const TIME = '/usr/bin/time';
const HAS_TIME = existsSync(TIME);
const ENVIRONMENT_COUNTS = [1, 10, 100] as const;
/** State keys `state list` is measured at: the growth from one to the other, and the 10,000 of issue 20. */
const STATE_KEY_COUNTS = [2_000, 10_000] as const;
/** `--quick`: fewer runs, for checking the bench itself. */
const QUICK = process.argv.includes('--quick');
/** Other work on the machine skews every figure: the report shows the load average before and after. */
const loadBefore = loadavg();

interface Sample {
  readonly seconds: number;
  /** Peak resident set size of the largest process of the run (GNU time's %M), when GNU time is there. */
  readonly peakMb: number | undefined;
}

interface Command {
  /** Shell command, as cdktf.json or package.json would run it. */
  readonly command: string;
  readonly cwd: string;
  readonly env?: Record<string, string>;
  /** Exit status the command must end with. @default 0 */
  readonly status?: number;
}

interface Series {
  readonly command: string;
  readonly cwd: string;
  readonly seconds: Summary;
  readonly peakMb: Summary | undefined;
  readonly samples: readonly Sample[];
}

/** The environment of every measured command: ours less any TFSTATE_* setting, so config files and shells don't leak in. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('TFSTATE_')) env[name] = value;
  return { ...env, CHECKPOINT_DISABLE: '1', ...extra };
}

function runOnce(spec: Command): Sample {
  const outdir = mkdtempSync(join(tmpdir(), 'tfstate-bench-'));
  const rssFile = join(outdir, 'rss');
  const env = childEnv({ CDKTF_OUTDIR: join(outdir, 'out'), ...spec.env });
  const command = spec.command.replace('{out}', join(outdir, 'out'));
  const [file, args] = HAS_TIME ? [TIME, ['-f', '%M', '-o', rssFile, 'sh', '-c', command]] : ['sh', ['-c', command]];
  const start = performance.now();
  const result = spawnSync(file, args, { cwd: spec.cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = (performance.now() - start) / 1000;
  const expected = spec.status ?? 0;
  if (result.status !== expected) {
    throw new Error(
      `${command} (in ${spec.cwd}) exited ${result.status}, expected ${expected}:\n${(result.stderr ?? '').slice(-2000)}`,
    );
  }
  const peakKb = HAS_TIME ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) : NaN;
  rmSync(outdir, { recursive: true, force: true });
  return { seconds, peakMb: Number.isFinite(peakKb) ? peakKb / 1024 : undefined };
}

interface Job {
  readonly label: string;
  readonly spec: Command;
  readonly runs: number;
}

/**
 * Runs the jobs in turns (one run of each, then the next round), so a change of load on the machine while
 * the bench runs weighs on all of them alike rather than on whichever happened to run then.
 */
function measure(...jobs: readonly Job[]): Series[] {
  const samples: Sample[][] = jobs.map(() => []);
  for (let round = 0; round < Math.max(...jobs.map((j) => j.runs)); round++) {
    jobs.forEach((job, i) => {
      if (round >= job.runs) return;
      samples[i].push(runOnce(job.spec));
      process.stderr.write(`${job.label}: run ${round + 1}/${job.runs}, ${formatSeconds(samples[i][round].seconds)}\n`);
    });
  }
  return jobs.map((job, i) => {
    const peaks = samples[i].map((s) => s.peakMb).filter((p): p is number => p !== undefined);
    return {
      command: job.spec.command,
      cwd: job.spec.cwd,
      seconds: summarize(samples[i].map((s) => s.seconds)),
      peakMb: peaks.length === samples[i].length ? summarize(peaks) : undefined,
      samples: samples[i],
    };
  });
}

function appCommand(dir: string): string {
  return (JSON.parse(readFileSync(join(dir, 'cdktf.json'), 'utf8')) as { app: string }).app;
}

function environments(count: number): Record<string, string> {
  return { TFSTATE_ENVIRONMENTS: Array.from({ length: count }, (_, i) => `e${i + 1}`).join(',') };
}

interface Row {
  readonly id: string;
  readonly what: string;
  readonly ours: Series;
  readonly baseline?: Series;
}

async function main(): Promise<void> {
  // Runs per figure: 5 of what takes a second or two, 3 of our slower ones, 2 (1 per environment count and
  // for the cold unit suites) of the baseline's 12-25 s ones, to keep the whole bench near 5 minutes.
  const runs = QUICK
    ? { fast: 2, slow: 1, variant: 1, baseline: 1, baselineEnv: 1, cold: 1 }
    : { fast: 5, slow: 3, variant: 3, baseline: 2, baselineEnv: 1, cold: 1 };
  const ourApp = appCommand(ROOT);
  const baselineApp = appCommand(BASELINE);
  const synth = `${CDKTF} synth --output {out}`;
  const floorDir = mkdtempSync(join(tmpdir(), 'tfstate-bench-floor-'));
  writeFileSync(
    join(floorDir, 'cdktf.json'),
    JSON.stringify({
      language: 'typescript',
      app: 'node -e ""',
      terraformProviders: [],
      terraformModules: [],
      context: {},
    }),
  );

  // Warm-up, not timed: our bundle cache, as after the first synth.
  runOnce({ command: ourApp, cwd: ROOT });

  const rows: Row[] = [];
  const [floor, synthOurs, synthBaseline] = measure(
    {
      label: 'cdktf CLI floor (app prints nothing)',
      spec: { command: synth, cwd: floorDir, status: 1 },
      runs: runs.fast,
    },
    { label: 'cdktf synth (ours)', spec: { command: synth, cwd: ROOT }, runs: runs.fast },
    { label: 'cdktf synth (baseline)', spec: { command: synth, cwd: BASELINE }, runs: runs.baseline },
  );
  rows.push({ id: 'synth', what: '`cdktf synth`, both stacks, end to end', ours: synthOurs, baseline: synthBaseline });

  // The app alone, and how its command was chosen: the same synth through the other runners.
  const variants = [
    {
      id: 'app-cold',
      what: 'app alone, bundle cache cleared (first synth after an edit)',
      command: `rm -rf node_modules/.cache/tfstate-app && ${ourApp}`,
    },
    { id: 'app-npx-tsx', what: 'app alone, former command `npx tsx main.ts`', command: 'npx tsx main.ts' },
    { id: 'app-tsx', what: 'app alone, `node_modules/.bin/tsx main.ts`', command: 'node_modules/.bin/tsx main.ts' },
    { id: 'app-node-import-tsx', what: 'app alone, `node --import tsx main.ts`', command: 'node --import tsx main.ts' },
  ];
  const [appOurs, appBaseline, ...variantSeries] = measure(
    { label: 'app (ours)', spec: { command: ourApp, cwd: ROOT }, runs: runs.fast },
    { label: 'app (baseline)', spec: { command: baselineApp, cwd: BASELINE }, runs: runs.baseline },
    ...variants.map((v) => ({ label: v.id, spec: { command: v.command, cwd: ROOT }, runs: runs.variant })),
  );
  rows.push({ id: 'app', what: `app alone (\`${ourApp}\`)`, ours: appOurs, baseline: appBaseline });
  for (const [i, v] of variants.entries()) rows.push({ id: v.id, what: v.what, ours: variantSeries[i] });

  const ourTests = 'npm test';
  const baselineTests = 'node_modules/.bin/jest -c bench/baseline/jest.config.js';
  // Cold: every cache of the suite emptied (the first run on a fresh clone). Warm: the run after that.
  const [coldOurs, coldBaseline] = measure(
    {
      label: 'npm test, cold (ours)',
      spec: {
        command: `rm -rf node_modules/.cache/jest node_modules/.cache/tsc node_modules/.cache/tfstate-app && ${ourTests}`,
        cwd: ROOT,
      },
      runs: runs.cold,
    },
    {
      label: 'jest ts-jest, cold (baseline)',
      spec: { command: `rm -rf node_modules/.cache/jest-baseline && ${baselineTests}`, cwd: ROOT },
      runs: runs.cold,
    },
  );
  rows.push({
    id: 'test-cold',
    what: 'unit suite, caches emptied (ours `npm test`: tsc + jest/swc; baseline jest/ts-jest)',
    ours: coldOurs,
    baseline: coldBaseline,
  });
  const [warmOurs, warmBaseline] = measure(
    { label: 'npm test (ours)', spec: { command: ourTests, cwd: ROOT }, runs: runs.slow },
    { label: 'jest ts-jest (baseline)', spec: { command: baselineTests, cwd: ROOT }, runs: runs.baseline },
  );
  rows.push({ id: 'test', what: 'unit suite, warm caches (the next run)', ours: warmOurs, baseline: warmBaseline });

  for (const count of ENVIRONMENT_COUNTS) {
    const [ours, baseline] = measure(
      {
        label: `app, ${count} env (ours)`,
        spec: { command: ourApp, cwd: ROOT, env: environments(count) },
        runs: count === 100 ? runs.slow : runs.fast,
      },
      {
        label: `app, ${count} env (baseline)`,
        spec: { command: baselineApp, cwd: BASELINE, env: environments(count) },
        runs: runs.baselineEnv,
      },
    );
    rows.push({
      id: `app-env-${count}`,
      what: `app alone, ${count} environment${count === 1 ? '' : 's'} (${count + 2} stacks)`,
      ours,
      baseline,
    });
  }
  // Ours only (the baseline would take minutes): whether the growth stays linear well past 100.
  const [app1000] = measure({
    label: 'app, 1000 env (ours)',
    spec: { command: ourApp, cwd: ROOT, env: environments(1000) },
    runs: runs.slow,
  });
  rows.push({ id: 'app-1000', what: 'app alone, 1000 environments (1002 stacks)', ours: app1000 });
  const [synth100Ours, synth100Baseline] = measure(
    {
      label: 'cdktf synth, 100 env (ours)',
      spec: { command: synth, cwd: ROOT, env: environments(100) },
      runs: runs.slow,
    },
    {
      label: 'cdktf synth, 100 env (baseline)',
      spec: { command: synth, cwd: BASELINE, env: environments(100) },
      runs: runs.baselineEnv,
    },
  );
  rows.push({
    id: 'synth-env-100',
    what: '`cdktf synth` end to end, 100 environments',
    ours: synth100Ours,
    baseline: synth100Baseline,
  });
  rmSync(floorDir, { recursive: true, force: true });

  // Beside its floor: the same bucket's ListObjectVersions pages alone, through the SDK with the same client.
  const bucket = await startStateBucket(ROOT);
  try {
    for (const count of STATE_KEY_COUNTS) {
      await bucket.fill(count);
      const [ours, floorOfList] = measure(
        {
          label: `state list, ${count} keys`,
          spec: { command: 'node_modules/.bin/tsx scripts/state.ts list', cwd: ROOT, env: bucket.env },
          runs: runs.slow,
        },
        {
          label: `raw listing, ${count} keys`,
          spec: { command: 'node_modules/.bin/tsx bench/raw-listing.ts', cwd: ROOT, env: bucket.env },
          runs: runs.slow,
        },
      );
      rows.push({
        id: `state-list-${count}`,
        what: `\`state list\`, ${count} keys on moto (baseline column: its floor, the raw version listing)`,
        ours,
        baseline: floorOfList,
      });
    }
  } finally {
    await bucket.stop();
  }

  report(rows, floor);
}

function growth(rows: readonly Row[], side: 'ours' | 'baseline', figure: 'seconds' | 'peakMb') {
  const points = ENVIRONMENT_COUNTS.map((count) => {
    const series = rows.find((r) => r.id === `app-env-${count}`)?.[side];
    const summary = series?.[figure];
    return summary === undefined ? undefined : { x: count, y: summary.median };
  });
  if (points.some((p) => p === undefined)) return undefined;
  const defined = points as { x: number; y: number }[];
  // Steps also to 1000 environments where measured (ours); the fit stays on 1, 10, 100 for both sides.
  const thousand = rows.find((r) => r.id === 'app-1000')?.[side]?.[figure];
  const steps = stepSlopes(thousand ? [...defined, { x: 1000, y: thousand.median }] : defined);
  return { perEnvironment: linearFit(defined).slope, steps };
}

function report(rows: readonly Row[], floor: Series): void {
  const timeRows = rows.map((row) => [
    row.what,
    formatSummary(row.ours.seconds, formatSeconds),
    row.baseline ? formatSummary(row.baseline.seconds, formatSeconds) : '',
    row.baseline ? formatRatio(ratio(row.baseline.seconds.median, row.ours.seconds.median)) : '',
  ]);
  timeRows.push([
    'cdktf CLI floor: `cdktf synth` of an app that prints nothing',
    formatSummary(floor.seconds, formatSeconds),
    '',
    '',
  ]);
  const memoryRows = rows
    .filter(
      (row) => (row.id.includes('env') || row.id === 'app-1000' || row.id.startsWith('state-list')) && row.ours.peakMb,
    )
    .map((row) => {
      const ours = row.ours.peakMb as Summary;
      const baseline = row.baseline?.peakMb;
      return [
        row.what,
        formatSummary(ours, formatMegabytes),
        baseline ? formatSummary(baseline, formatMegabytes) : '',
        baseline ? formatRatio(ratio(baseline.median, ours.median)) : '',
      ];
    });

  const synth = rows.find((r) => r.id === 'synth') as Row;
  const app = rows.find((r) => r.id === 'app') as Row;
  const test = rows.find((r) => r.id === 'test') as Row;
  const testCold = rows.find((r) => r.id === 'test-cold') as Row;
  const env100 = rows.find((r) => r.id === 'app-env-100') as Row;
  const synth100 = rows.find((r) => r.id === 'synth-env-100') as Row;
  const list10k = rows.find((r) => r.id === 'state-list-10000') as Row;
  const synthRatio = ratio((synth.baseline as Series).seconds.median, synth.ours.seconds.median);
  const peak100 = Math.max(env100.ours.peakMb?.max ?? NaN, synth100.ours.peakMb?.max ?? NaN);
  const growthFigures = {
    ours: { seconds: growth(rows, 'ours', 'seconds'), peakMb: growth(rows, 'ours', 'peakMb') },
    baseline: { seconds: growth(rows, 'baseline', 'seconds'), peakMb: growth(rows, 'baseline', 'peakMb') },
  };
  const targets = [
    {
      target: 'app alone <= 1 s median',
      value: formatSeconds(app.ours.seconds.median),
      met: app.ours.seconds.median <= 1,
    },
    { target: '`cdktf synth` >= 4x faster than baseline', value: formatRatio(synthRatio), met: synthRatio >= 4 },
    {
      target: 'unit suite <= 15 s wall',
      value: `warm ${formatSeconds(test.ours.seconds.median)}, cold ${formatSeconds(testCold.ours.seconds.median)}`,
      met: Math.max(test.ours.seconds.median, testCold.ours.seconds.median) <= 15,
    },
    {
      target: '100 environments: synth <= 10 s',
      value: `app ${formatSeconds(env100.ours.seconds.median)}, cdktf synth ${formatSeconds(synth100.ours.seconds.median)}`,
      met: synth100.ours.seconds.median <= 10 && env100.ours.seconds.median <= 10,
    },
    { target: '100 environments: peak memory < 1 GB', value: formatMegabytes(peak100), met: peak100 < 1024 },
    {
      target: '`state list`, 10,000 keys on moto <= 3 s',
      value: `${formatSeconds(list10k.ours.seconds.median)} (floor ${formatSeconds((list10k.baseline as Series).seconds.median)})`,
      met: list10k.ours.seconds.median <= 3,
    },
  ];

  const lines = [
    `Benchmark, ${new Date().toISOString()}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}, ` +
      `load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')} before, ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} after`,
    '',
    markdownTable(['Time', 'ours: median (min-max, runs)', 'baseline', 'baseline / ours'], timeRows),
    '',
    HAS_TIME
      ? markdownTable(['Peak memory (largest process)', 'ours', 'baseline', 'baseline / ours'], memoryRows)
      : 'Peak memory: not measured (no /usr/bin/time)',
    '',
    `Above the CLI floor: ours ${formatSeconds(synth.ours.seconds.median - floor.seconds.median)} ` +
      `(${formatRatio(synth.ours.seconds.median / floor.seconds.median)} the floor), ` +
      `baseline ${formatSeconds((synth.baseline as Series).seconds.median - floor.seconds.median)}.`,
    `Growth per environment (least squares over 1, 10, 100; steps 1-10, 10-100, 100-1000): ours ${describeGrowth(growthFigures.ours)}; baseline ${describeGrowth(growthFigures.baseline)}.`,
    '',
    markdownTable(
      ['Target', 'measured', 'met'],
      targets.map((t) => [t.target, t.value, t.met ? 'yes' : 'NO']),
    ),
  ];
  console.log(lines.join('\n'));

  const results = {
    date: new Date().toISOString(),
    machine: {
      loadBefore,
      loadAfter: loadavg(),
      cpus: cpus().length,
      cpu: cpus()[0]?.model,
      totalMemMb: Math.round(totalmem() / 2 ** 20),
      freeMemMb: Math.round(freemem() / 2 ** 20),
      node: process.version,
    },
    quick: QUICK,
    floor,
    rows: rows.map((row) => ({
      ...row,
      ratio: row.baseline ? ratio(row.baseline.seconds.median, row.ours.seconds.median) : undefined,
      spread: {
        ours: relativeSpread(row.ours.seconds),
        baseline: row.baseline ? relativeSpread(row.baseline.seconds) : undefined,
      },
    })),
    growth: growthFigures,
    targets,
  };
  writeFileSync(join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log('\nWrote bench/results.json');
}

function describeGrowth(figures: { seconds: ReturnType<typeof growth>; peakMb: ReturnType<typeof growth> }): string {
  const parts: string[] = [];
  if (figures.seconds) {
    parts.push(
      `${(figures.seconds.perEnvironment * 1000).toFixed(1)} ms (steps ${figures.seconds.steps.map((s) => (s * 1000).toFixed(1)).join(', ')})`,
    );
  }
  if (figures.peakMb) {
    parts.push(
      `${figures.peakMb.perEnvironment.toFixed(2)} MB (steps ${figures.peakMb.steps.map((s) => s.toFixed(2)).join(', ')})`,
    );
  }
  return parts.join(' and ');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
