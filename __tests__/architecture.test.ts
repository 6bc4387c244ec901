// The layering the README describes, checked on the sources: no two folders import each other (even through a
// third), the domain never reaches into the commands, and the commands' shared library does not build on the
// export (a command does).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { preProcessFile } from 'typescript';

const ROOT = join(__dirname, '..');
const DOMAIN = ['config', 'constructs', 'iam', 'ops', 'exports', 'stacks'];

/** Every TypeScript or JavaScript file below `folder` (relative to the project root): tsconfig allows JS too. */
function sources(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.[cm]?[jt]s$/.test(file))
    .map((file) => join(folder, file));
}

/** The project folder (first path segment) each relative import or require of `file` resolves into. */
function importedFolders(file: string, text: string): string[] {
  // TypeScript's own reader of imports: a pattern of ours missed `from'../scripts/x'`, a template literal in
  // require(`...`) or import(`...`), and an import after a comment on its line; it skips comments and strings.
  const specifiers = preProcessFile(text, true, true)
    .importedFiles.map((imported) => imported.fileName)
    .filter((name) => /^\.\.?(\/|$)/.test(name));
  return specifiers.map((specifier) =>
    relative(ROOT, resolve(ROOT, file, '..', specifier))
      .split('/')
      .slice(0, 2)
      .join('/'),
  );
}

/** `file -> import` for every import of a file under `folders` that lands in one of `forbidden`. */
function offending(folders: readonly string[], forbidden: (target: string) => boolean): string[] {
  return folders.flatMap(sources).flatMap((file) =>
    importedFolders(file, readFileSync(join(ROOT, file), 'utf8'))
      .filter(forbidden)
      .map((target) => `${file} -> ${target}`),
  );
}

test('the import reader sees static, dynamic and side-effect imports and requires, resolved from the file', () => {
  const text =
    "import { a } from '../scripts/lib/x';\nimport '../scripts/y';\nconst b = require('./z');\nconst c = await import('../exports/e');\nimport { d } from 'fs';";
  expect(importedFolders('ops/bucket.ts', text)).toEqual(['scripts/lib', 'scripts/y', 'ops/z', 'exports/e']);
  const sly =
    "export { a } from'../scripts/lib/a';\nconst b = require(`../scripts/b`);\nconst c = import(`../exports/c`);\n/* why */ import '../scripts';\n// import '../scripts/commented';\nconst s = \"require('../scripts/string')\";";
  expect(importedFolders('ops/bucket.ts', sly)).toEqual(['scripts/lib', 'scripts/b', 'exports/c', 'scripts']);
});

test('no file in config/, constructs/, iam/, ops/, exports/ or stacks/ imports from scripts/', () => {
  expect(offending(DOMAIN, (target) => target === 'scripts' || target.startsWith('scripts/'))).toEqual([]);
});

test('scripts/lib does not import exports/', () => {
  expect(offending(['scripts/lib'], (target) => target === 'exports' || target.startsWith('exports/'))).toEqual([]);
});

/** The project's own code: every top-level source file and folder but the tests, the benchmark and build output. */
const PRODUCT = readdirSync(ROOT).filter(
  (entry) =>
    !['__tests__', 'bench', 'node_modules', 'cdktf.out'].includes(entry) &&
    !entry.startsWith('.') &&
    (/\.[cm]?[jt]s$/.test(entry) || (statSync(join(ROOT, entry)).isDirectory() && sources(entry).length > 0)),
);

/** Which top-level folders (or files) each one imports from. */
function folderGraph(entries: readonly string[]): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const entry of entries) {
    const files = /\.[cm]?[jt]s$/.test(entry) ? [entry] : sources(entry);
    const targets = files.flatMap((file) =>
      importedFolders(file, readFileSync(join(ROOT, file), 'utf8')).map((target) => target.split('/')[0]),
    );
    graph.set(entry, new Set(targets.filter((target) => target !== entry)));
  }
  return graph;
}

/** A cycle in the graph as the path that closes it (first node repeated last), or undefined when it has none. */
function cycleOf(graph: ReadonlyMap<string, ReadonlySet<string>>): string[] | undefined {
  const done = new Set<string>();
  const visit = (node: string, path: string[]): string[] | undefined => {
    if (path.includes(node)) return [...path.slice(path.indexOf(node)), node];
    if (done.has(node)) return undefined;
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next, [...path, node]);
      if (cycle) return cycle;
    }
    done.add(node);
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node, []);
    if (cycle) return cycle;
  }
  return undefined;
}

test('the cycle finder finds a cycle through a third folder, and none in a layered graph', () => {
  const graph = (edges: Record<string, string[]>) =>
    new Map(Object.entries(edges).map(([from, to]) => [from, new Set(to)]));
  expect(cycleOf(graph({ config: ['errors.ts'], iam: ['ops'], ops: ['config'], 'errors.ts': ['iam'] }))).toEqual([
    'config',
    'errors.ts',
    'iam',
    'ops',
    'config',
  ]);
  expect(cycleOf(graph({ stacks: ['iam', 'config'], config: ['iam'], iam: ['errors.ts'], 'errors.ts': [] }))).toBe(
    undefined,
  );
});

test('no import cycle between the top-level folders and files of the product', () => {
  expect(PRODUCT).toEqual(expect.arrayContaining(['config', 'iam', 'errors.ts', 'scripts', 'main.ts']));
  expect(cycleOf(folderGraph(PRODUCT))).toBeUndefined();
});

test('errors.ts is a leaf: it imports nothing of the project', () => {
  expect(folderGraph(['errors.ts']).get('errors.ts')).toEqual(new Set());
});
