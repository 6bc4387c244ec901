import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
/** The app command exactly as cdktf.json gives it to `cdktf synth`. */
const APP_COMMAND = (JSON.parse(readFileSync(join(ROOT, 'cdktf.json'), 'utf8')) as { app: string }).app;

/** Runs the real app entry point (what `cdktf synth` runs) with only the given settings. */
function runApp(settings: Record<string, string>) {
  const outdir = mkdtempSync(join(tmpdir(), 'tfstate-out-'));
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, CDKTF_OUTDIR: outdir, ...settings };
  const result = spawnSync(APP_COMMAND, { shell: true, cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
  return { ...result, outdir };
}

describe('main.ts, run by the app command of cdktf.json', () => {
  test('a bad setting stops synth: exit 1, one line per problem, no stack trace, nothing written', () => {
    const result = runApp({ TFSTATE_BUCKET: 'Not_A_Bucket', TFSTATE_LOCKING: 'sometimes' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'tfstate config error: TFSTATE_BUCKET="Not_A_Bucket": may contain only lowercase letters, digits, dots (.) and hyphens (-)',
      'tfstate config error: TFSTATE_LOCKING="sometimes": must be one of dynamodb, s3, both',
    ]);
    expect(result.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    expect(existsSync(join(result.outdir, 'stacks'))).toBe(false);
  });

  test('synthesizes both stacks with no AWS credentials, and warns once per emulator difference', () => {
    const result = runApp({ AWS_ENDPOINT_URL: 'http://127.0.0.1:1' });
    expect(result.status).toBe(0);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^warning: AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:1: the bucket policies' conditional deny statements .* are left out/,
      ),
      expect.stringMatching(
        /^warning: AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:1: the buckets' EventBridge notifications are left out/,
      ),
      expect.stringMatching(
        /^warning: AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:1: the buckets' lifecycle configurations .* are left out/,
      ),
    ]);
    for (const stack of ['bootstrap', 'app']) {
      const json = JSON.parse(readFileSync(join(result.outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8'));
      expect(json.terraform).toBeDefined();
    }
    // The constructs' warnings reach the manifest as annotations, without a stack trace of this machine's paths.
    const manifest = readFileSync(join(result.outdir, 'manifest.json'), 'utf8');
    expect(manifest).not.toContain(ROOT);
    const annotations = (JSON.parse(manifest) as { stacks: Record<string, { annotations: Record<string, unknown>[] }> })
      .stacks.bootstrap.annotations;
    expect(
      annotations.map((annotation) => [annotation.constructPath, Object.keys(annotation).sort().join(',')]),
    ).toEqual([
      ['bootstrap/log-bucket', 'constructPath,level,message'],
      ['bootstrap/log-bucket', 'constructPath,level,message'],
      ['bootstrap/log-bucket', 'constructPath,level,message'],
      ['bootstrap/state-bucket', 'constructPath,level,message'],
      ['bootstrap/state-bucket', 'constructPath,level,message'],
      ['bootstrap/state-bucket', 'constructPath,level,message'],
    ]);
  });
});
