import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
/** The app command exactly as cdktf.json gives it to `cdktf synth` (its flags included). */
const APP_COMMAND = (JSON.parse(readFileSync(join(ROOT, 'cdktf.json'), 'utf8')) as { app: string }).app;

/**
 * A copy of the project's app sources with its own node_modules folder (links to the real packages), so the
 * runner's bundle cache lives in the copy and editing a source there cannot disturb the real project.
 */
function projectCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tfstate-runner-'));
  for (const entry of [
    'main.ts',
    'errors.ts',
    'markdown.ts',
    'config',
    'iam',
    'constructs',
    'stacks',
    'scripts',
    'tsconfig.json',
    'package.json',
    'cdktf.json',
  ]) {
    cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  }
  mkdirSync(join(dir, 'node_modules'));
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name !== '.cache') symlinkSync(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name));
  }
  return dir;
}

function run(dir: string) {
  const outdir = mkdtempSync(join(tmpdir(), 'tfstate-out-'));
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, CDKTF_OUTDIR: outdir };
  const result = spawnSync(APP_COMMAND, { shell: true, cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
  return { ...result, outdir };
}

function vpcCidr(outdir: string): unknown {
  const json = JSON.parse(readFileSync(join(outdir, 'stacks', 'app', 'cdk.tf.json'), 'utf8'));
  return Object.values(json.resource.aws_vpc as Record<string, { cidr_block: string }>)[0].cidr_block;
}

describe('scripts/app.cjs (the app command)', () => {
  const dir = projectCopy();
  const bundle = join(dir, 'node_modules', '.cache', 'tfstate-app', 'main.js');

  test('builds the bundle on first use, reuses it unchanged, rebuilds after an edit, maps errors to .ts, stops on a syntax error', () => {
    const first = run(dir);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(vpcCidr(first.outdir)).toBe('10.0.0.0/16');
    const built = statSync(bundle).mtimeMs;

    const second = run(dir);
    expect(second.status).toBe(0);
    expect(statSync(bundle).mtimeMs).toBe(built);

    const stackFile = join(dir, 'stacks', 'app-stack.ts');
    const source = readFileSync(stackFile, 'utf8');
    writeFileSync(stackFile, source.replace("'10.0.0.0/16'", "'10.9.0.0/16'"));
    const edited = run(dir);
    expect(edited.status).toBe(0);
    expect(vpcCidr(edited.outdir)).toBe('10.9.0.0/16');

    // An unexpected error: exit 1 and a stack trace that names the .ts line it was thrown from.
    writeFileSync(stackFile, source.replace('super(scope, id);', "super(scope, id);\n    throw new Error('boom');"));
    const throwLine = source.split('\n').findIndex((line) => line.includes('super(scope, id);')) + 2;
    const failed = run(dir);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain(
      `Error: boom\n    at new AppStack (${join(dir, 'stacks', 'app-stack.ts')}:${throwLine}:11)`,
    );

    writeFileSync(stackFile, `${source}\nconst = ;\n`);
    const broken = run(dir);
    expect(broken.status).toBe(1);
    expect(broken.stderr).toMatch(/stacks\/app-stack\.ts:\d+/);
  });
});
