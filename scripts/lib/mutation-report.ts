// Reads StrykerJS's JSON report (mutation-testing-report-schema) into the figures we keep: the score of a
// folder, and each mutant left alive.

export interface ReportMutant {
  readonly id: string;
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly location: { readonly start: { readonly line: number; readonly column: number } };
  readonly status: string;
}

export interface MutationReport {
  readonly files: Record<string, { readonly mutants: readonly ReportMutant[] }>;
}

export interface LeftAlive {
  /** file:line:column */
  readonly where: string;
  readonly mutator: string;
  readonly replacement: string;
}

export interface FolderScore {
  /** Killed by a failing test or by a timeout. */
  readonly killed: number;
  /** Of the killed, those that timed out (the mutant looped, or the machine was too busy: look at them). */
  readonly timedOut: number;
  /** Left out of the score: the mutant did not compile, or the test run errored (a test file failed to load). */
  readonly errored: number;
  /** Every valid mutant: killed, timed out, survived, not covered or ignored. */
  readonly total: number;
  /**
   * killed / total in percent, one decimal; an ignored mutant counts against it like a survivor. No mutant
   * measured (the folder's files not found, or every mutant errored) is 0, not 100.
   */
  readonly score: number;
  readonly alive: readonly LeftAlive[];
}

const KILLED = new Set(['Killed', 'Timeout']);
const ALIVE = new Set(['Survived', 'NoCoverage', 'Ignored']);
const ERRORED = new Set(['CompileError', 'RuntimeError']);

export function folderScore(report: MutationReport): FolderScore {
  let killed = 0;
  let timedOut = 0;
  let errored = 0;
  const alive: LeftAlive[] = [];
  for (const [file, { mutants }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
    for (const mutant of mutants) {
      const where = `${file}:${mutant.location.start.line}:${mutant.location.start.column}`;
      if (KILLED.has(mutant.status)) {
        killed += 1;
        if (mutant.status === 'Timeout') timedOut += 1;
      } else if (ERRORED.has(mutant.status)) errored += 1;
      else if (ALIVE.has(mutant.status)) {
        alive.push({ where, mutator: mutant.mutatorName, replacement: oneLine(mutant.replacement ?? '') });
      } else throw new Error(`${where}: mutant ${mutant.id} is ${mutant.status}: the report is not of a finished run`);
    }
  }
  const total = killed + alive.length;
  return { killed, timedOut, errored, total, score: total === 0 ? 0 : Math.floor((killed / total) * 1000) / 10, alive };
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= 80 ? flat : `${flat.slice(0, 80)}...`;
}
