import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { markdownCell } from '../markdown';
import { blockPattern, GENERATED_BLOCKS, renderBootstrapDiagram } from '../scripts/readme';

const ROOT = join(__dirname, '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

function block(file: string, name: string): string {
  const match = read(file).match(blockPattern(name));
  if (!match) throw new Error(`${file} has no ${name} block`);
  return match[2];
}

describe('README and docs/', () => {
  // settings, trust, security and the diagram in README.md; the request matrix in docs/security.md.
  const blocks = Object.entries(GENERATED_BLOCKS).flatMap(([file, renders]) =>
    Object.entries(renders).map(([name, render]) => [file, name, render] as const),
  );
  test.each(blocks)('%s: the %s block is exactly what the code renders', (file, name, render) => {
    expect(block(file, name)).toBe(render());
  });
  test('every generated block is in the file it is listed for', () => {
    expect(blocks.map(([file, name]) => `${file}:${name}`)).toEqual([
      'README.md:diagram',
      'README.md:settings',
      'README.md:trust',
      'README.md:security',
      'docs/security.md:requests',
    ]);
  });
  test('the diagram shows the bootstrap resources and the references between their constructs', () => {
    const diagram = renderBootstrapDiagram();
    expect(diagram).toMatch(/^```mermaid\nflowchart LR\n/);
    expect(diagram).toContain('lock_table["<b>lock-table</b><br/>aws_dynamodb_table"]');
    expect(diagram).toContain('access_policies["<b>access-policies</b><br/>aws_iam_policy × 3"]');
    expect(diagram).toContain('<br/>aws_s3_bucket_logging<br/>');
    for (const edge of ['state_bucket --> state_key', 'state_bucket --> log_bucket', 'lock_table --> state_key']) {
      expect(diagram).toContain(`\n  ${edge}\n`);
    }
    // The log bucket is encrypted with SSE-S3 (what log delivery requires), so it never references the key.
    expect(diagram).not.toContain('log_bucket --> state_key');
  });
  test('gives a newcomer exactly two set-up lines: the main job and the tests', () => {
    const firstBlock = read('README.md').match(/```sh\n([\s\S]*?)```/);
    expect(firstBlock?.[1].trim().split('\n')).toHaveLength(2);
    expect(firstBlock?.[1]).toMatch(/npm test/);
  });
  test('the README stays within 400 lines', () => {
    expect(read('README.md').split('\n').length).toBeLessThanOrEqual(401);
  });
});

test('a table cell keeps pipes and angle brackets as text', () => {
  expect(markdownCell('a|b <key> c')).toBe('a\\|b &lt;key&gt; c');
});
