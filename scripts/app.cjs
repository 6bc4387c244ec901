// @ts-check
// The app command of cdktf.json: runs main.ts as plain JavaScript. esbuild bundles the project's own
// sources (packages stay external, so node loads cdktf and the provider from node_modules as usual) into
// node_modules/.cache/tfstate-app/main.js, and only when the content of one of those sources changed:
// a synth after no edit skips the TypeScript step entirely. Nothing to build by hand, on a fresh clone either.
// No type checking here, as with any TypeScript runner: `npm test` starts with `tsc --noEmit`.
'use strict';
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { dirname, join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '..');
const BUNDLE = join(ROOT, 'node_modules', '.cache', 'tfstate-app', 'main.js');
const STAMP = '//tfstate-app ';
/** Files that shape the bundle besides the sources esbuild reports reading. */
const ALWAYS = ['tsconfig.json', 'package.json', 'scripts/app.cjs'];

/**
 * One digest of the content of the given files (paths relative to ROOT), a missing file counting as such.
 * @param {readonly string[]} files
 */
function digest(files) {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(file).update('\0');
    try {
      hash.update(readFileSync(join(ROOT, file)));
    } catch {
      hash.update('(missing)');
    }
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** True when the cached bundle was built from exactly the current sources. */
function isFresh() {
  let head;
  try {
    head = readFileSync(BUNDLE, 'utf8').split('\n', 1)[0];
  } catch {
    return false;
  }
  if (!head.startsWith(STAMP)) return false;
  /** @type {{ inputs: string[], digest: string }} */
  let stamp;
  try {
    stamp = JSON.parse(head.slice(STAMP.length));
  } catch {
    return false;
  }
  return Array.isArray(stamp.inputs) && digest(stamp.inputs) === stamp.digest;
}

function build() {
  const esbuild = require('esbuild');
  const result = esbuild.buildSync({
    absWorkingDir: ROOT,
    entryPoints: ['main.ts'],
    outfile: BUNDLE,
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    // A placeholder first line, so replacing it with the stamp keeps the source map's line numbers.
    banner: { js: STAMP },
    write: false,
    metafile: true,
    logLevel: 'error',
  });
  const inputs = [...Object.keys(result.metafile.inputs), ...ALWAYS].sort();
  const stamp = STAMP + JSON.stringify({ inputs, digest: digest(inputs) });
  const code = result.outputFiles[0].text.replace(/^.*/, stamp);
  mkdirSync(join(BUNDLE, '..'), { recursive: true });
  // Atomic replace: parallel runs (jest workers, two terminals) never read a half-written bundle.
  const temp = `${BUNDLE}.${process.pid}.tmp`;
  writeFileSync(temp, code);
  renameSync(temp, BUNDLE);
}

if (!isFresh()) {
  try {
    build();
  } catch (error) {
    // A build failure: esbuild has printed its errors (file:line and what is wrong). Anything else is thrown on.
    if (!(error instanceof Error && 'errors' in error)) throw error;
    process.exit(1);
  }
}
// The shell (scripts/lib/shell.ts) throws on what is not a user's mistake: a bug of ours. Its stack trace is mapped
// to the .ts sources here, only when it happens: node's --enable-source-maps would decode every source map of
// cdktf at each start (0.15 s).
process.on('uncaughtException', (error) => {
  console.error(mapStack(error));
  process.exit(1);
});
require(BUNDLE);

/**
 * The error's stack with every position in the bundle replaced by the .ts file, line and column it came from.
 * @param {unknown} error
 */
function mapStack(error) {
  const stack = error instanceof Error && error.stack ? error.stack : String(error);
  const inline = /\/\/# sourceMappingURL=data:application\/json;base64,(\S+)\s*$/.exec(readFileSync(BUNDLE, 'utf8'));
  if (!inline) return stack;
  const { SourceMap } = require('node:module');
  const map = new SourceMap(JSON.parse(Buffer.from(inline[1], 'base64').toString('utf8')));
  return stack.split(BUNDLE).reduce((mapped, rest) => {
    const position = /^:(\d+):(\d+)/.exec(rest);
    const found = position ? map.findEntry(Number(position[1]) - 1, Number(position[2]) - 1) : {};
    const entry = /** @type {Partial<import('module').SourceMapping>} */ (found);
    if (
      !position ||
      entry.originalSource === undefined ||
      entry.originalLine === undefined ||
      entry.originalColumn === undefined
    ) {
      return `${mapped}${BUNDLE}${rest}`;
    }
    const source = resolve(dirname(BUNDLE), entry.originalSource);
    return `${mapped}${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}${rest.slice(position[0].length)}`;
  });
}
