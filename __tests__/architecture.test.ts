// The layering the README describes, checked on the sources: the domain never reaches into the commands, and the
// commands' shared library does not build on the export (a command does).
import { readdirSync, readFileSync } from 'node:fs';
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
