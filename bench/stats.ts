// Pure helpers of the benchmark: summary statistics, growth fits and the text table. Unit-tested in
// __tests__/bench-stats.test.ts; bench/run.ts does the measuring.

/** Median, extremes and run count of a series of samples. */
export interface Summary {
  readonly runs: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summarize(values: readonly number[]): Summary {
  return { runs: values.length, median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** Spread as a fraction of the median: (max - min) / median; 0 for a single run. */
export function relativeSpread(summary: Summary): number {
  return summary.median === 0 ? 0 : (summary.max - summary.min) / summary.median;
}

/** How many times bigger the baseline's figure is than ours (> 1: ours is faster or smaller). */
export function ratio(baseline: number, ours: number): number {
  if (ours <= 0) throw new Error(`ratio against a non-positive figure: ${ours}`);
  return baseline / ours;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** Least-squares line through the points: y = intercept + slope * x. */
export function linearFit(points: readonly Point[]): { readonly slope: number; readonly intercept: number } {
  if (points.length < 2) throw new Error('a fit needs at least two points');
  const n = points.length;
  const meanX = points.reduce((s, p) => s + p.x, 0) / n;
  const meanY = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - meanX) ** 2, 0);
  if (sxx === 0) throw new Error('a fit needs two different x values');
  const sxy = points.reduce((s, p) => s + (p.x - meanX) * (p.y - meanY), 0);
  const slope = sxy / sxx;
  return { slope, intercept: meanY - slope * meanX };
}

/** Slope of each step between consecutive points (sorted by x): equal slopes mean constant growth. */
export function stepSlopes(points: readonly Point[]): number[] {
  const sorted = [...points].sort((a, b) => a.x - b.x);
  return sorted.slice(1).map((p, i) => (p.y - sorted[i].y) / (p.x - sorted[i].x));
}

export function formatSeconds(seconds: number): string {
  return seconds < 10 ? `${seconds.toFixed(2)} s` : `${seconds.toFixed(1)} s`;
}

export function formatMegabytes(megabytes: number): string {
  return `${Math.round(megabytes)} MB`;
}

export function formatRatio(value: number): string {
  return value < 10 ? `${value.toFixed(1)}x` : `${Math.round(value)}x`;
}

/** "median (min-max, n runs)" in the given unit formatter. */
export function formatSummary(summary: Summary, format: (value: number) => string): string {
  if (summary.runs === 1) return `${format(summary.median)} (1 run)`;
  return `${format(summary.median)} (${format(summary.min)}-${format(summary.max)}, ${summary.runs} runs)`;
}

/** A Markdown table with columns padded to equal width, so it reads as well in a terminal as in the README. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  for (const row of rows) {
    if (row.length !== header.length) throw new Error(`row has ${row.length} cells, header has ${header.length}`);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
