// npm run test:mutation [-- <folder>...]: StrykerJS over each folder in turn (stryker.config.mjs), then the
// score per folder and every mutant left alive.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { folderScore, type MutationReport } from './lib/mutation-report';

const ROOT = join(__dirname, '..');
const { FOLDER_TESTS } = require('../jest.mutation.config.js') as { FOLDER_TESTS: Record<string, string[]> };
/** The score each folder must keep. */
const THRESHOLD = 85;

const folders = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(FOLDER_TESTS);
const unknown = folders.filter((folder) => !(folder in FOLDER_TESTS));
if (unknown.length > 0) {
  console.error(`test:mutation ${unknown.join(' ')}: unknown folder (known: ${Object.keys(FOLDER_TESTS).join(', ')})`);
  process.exit(2);
}

const lines: string[] = [];
let below = 0;
for (const folder of folders) {
  const started = Date.now();
  console.log(`== ${folder}/: mutants against ${FOLDER_TESTS[folder].length} test files`);
  // Which file holds which test, recorded afresh by this run's dry run (scripts/lib/mutation-jest-runner.js).
  const index = join(ROOT, '.local', 'mutation', `${folder}.tests.jsonl`);
  mkdirSync(dirname(index), { recursive: true });
  rmSync(index, { force: true });
  const env = { ...process.env, MUTATION_FOLDER: folder, MUTATION_TEST_INDEX: index };
  const run = spawnSync('npx', ['stryker', 'run'], { cwd: ROOT, stdio: 'inherit', env });
  const reportPath = join(ROOT, '.local', 'mutation', `${folder}.json`);
  if (run.status !== 0 || !existsSync(reportPath)) {
    console.error(`${folder}/: StrykerJS failed (exit ${run.status ?? run.signal}); no score`);
    process.exit(1);
  }
  const score = folderScore(JSON.parse(readFileSync(reportPath, 'utf8')) as MutationReport);
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  if (score.score < THRESHOLD) below += 1;
  const timedOut = score.timedOut > 0 ? `, ${score.timedOut} of them by timeout` : '';
  const errored = score.errored > 0 ? `; ${score.errored} errored, not counted` : '';
  lines.push(
    `${folder}/: ${score.score}% (${score.killed} of ${score.total} mutants killed${timedOut}${errored}, ${minutes} min)`,
  );
  for (const mutant of score.alive) lines.push(`  ${mutant.where} ${mutant.mutator} -> ${mutant.replacement}`);
}
console.log(lines.join('\n'));
if (below > 0) {
  console.error(`${below} folder(s) below ${THRESHOLD}%`);
  process.exit(1);
}
