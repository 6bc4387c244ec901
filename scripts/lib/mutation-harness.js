// @ts-check
// Names StrykerJS's incremental file after everything its incremental mode cannot see (stryker.config.mjs).
// StrykerJS reuses a mutant's last result while the mutant's own code and the test that killed it are
// unchanged. A change anywhere else goes unseen: the snapshot switch, the jest configs, the custom runner, a
// test helper such as fake-aws.ts, code of other folders the tests run, the locked dependencies. An old
// "Killed" then outlives the reason it was killed (measured: with the snapshot switch put back, a mutant killed
// only by a snapshot stayed Killed). Any change to those files names a new incremental file: a full run.
// The measured folder's own code (its .ts files) is left to StrykerJS, which re-tests each mutant whose code changed (a
// change elsewhere in the folder that alters what a killing test sees can still go unseen: a figure for the
// README comes from a full run).

const { execFileSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');

/**
 * Files left out of the digest: test files and the measured folder's code, which StrykerJS diffs itself, and
 * files no test outcome of the mutation run depends on (docs; snapshots, since matching is off). Only the
 * folder's .ts files are its code (stryker.config.mjs mutates those alone): StrykerJS never diffs its
 * other files (data the code reads, say), so those count.
 * @param {string} file
 * @param {string} folder
 */
function seenOrIrrelevant(file, folder) {
  return (
    (file.startsWith(`${folder}/`) && file.endsWith('.ts')) ||
    file.endsWith('.test.ts') ||
    file.endsWith('.md') ||
    file.endsWith('.snap')
  );
}

/**
 * 12 hex digits of the SHA-256 of every other file of the project (path and content, tracked or not, ignored
 * ones left out) for a run over `folder`; undefined when git cannot list the files, and then nothing may be reused.
 * @param {string} root
 * @param {string} folder
 * @returns {string | undefined}
 */
function harnessDigest(root, folder) {
  let listed;
  try {
    listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return undefined;
  }
  // Regular files only: a file deleted but still in the index is gone, and a link to a folder (node_modules
  // linked in, which `node_modules/` in .gitignore does not match) is listed as an untracked file.
  const isFile = (/** @type {string} */ file) =>
    statSync(join(root, file), { throwIfNoEntry: false })?.isFile() === true;
  const files = [...new Set(listed.split('\0'))]
    .filter((file) => file !== '' && !seenOrIrrelevant(file, folder) && isFile(file))
    .sort();
  const hash = createHash('sha256');
  for (const file of files)
    hash
      .update(`${file}\0`)
      .update(readFileSync(join(root, file)))
      .update('\0');
  return hash.digest('hex').slice(0, 12);
}

module.exports = { harnessDigest };
