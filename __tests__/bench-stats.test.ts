import {
  formatMegabytes,
  formatRatio,
  formatSeconds,
  formatSummary,
  linearFit,
  markdownTable,
  median,
  ratio,
  relativeSpread,
  stepSlopes,
  summarize,
} from '../bench/stats';

describe('bench statistics', () => {
  test('median of odd and even counts, whatever the order; none is an error', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(() => median([])).toThrow('median of no values');
  });

  test('summary and relative spread', () => {
    const summary = summarize([1.2, 1.0, 1.1, 1.5, 1.0]);
    expect(summary).toEqual({ runs: 5, median: 1.1, min: 1.0, max: 1.5 });
    expect(relativeSpread(summary)).toBeCloseTo(0.5 / 1.1);
    expect(relativeSpread(summarize([2]))).toBe(0);
  });

  test('ratio is baseline over ours and refuses a zero figure', () => {
    expect(ratio(20, 4)).toBe(5);
    expect(ratio(1, 2)).toBe(0.5);
    expect(() => ratio(1, 0)).toThrow('non-positive');
  });

  test('linear fit recovers slope and intercept, and step slopes show whether growth is constant', () => {
    const points = [1, 10, 100].map((x) => ({ x, y: 0.5 + 0.02 * x }));
    const fit = linearFit(points);
    expect(fit.slope).toBeCloseTo(0.02);
    expect(fit.intercept).toBeCloseTo(0.5);
    expect(stepSlopes([points[2], points[0], points[1]]).map((s) => Number(s.toFixed(6)))).toEqual([0.02, 0.02]);
    expect(
      stepSlopes([
        { x: 0, y: 0 },
        { x: 1, y: 1 },
        { x: 2, y: 4 },
      ]),
    ).toEqual([1, 3]);
    expect(() => linearFit([{ x: 1, y: 1 }])).toThrow('at least two points');
    expect(() =>
      linearFit([
        { x: 1, y: 1 },
        { x: 1, y: 2 },
      ]),
    ).toThrow('two different x values');
  });

  test('number formats', () => {
    expect(formatSeconds(0.4567)).toBe('0.46 s');
    expect(formatSeconds(17.25)).toBe('17.3 s');
    expect(formatMegabytes(1398.6)).toBe('1399 MB');
    expect(formatRatio(4.44)).toBe('4.4x');
    expect(formatRatio(33.4)).toBe('33x');
    expect(formatSummary(summarize([1, 2, 3]), formatSeconds)).toBe('2.00 s (1.00 s-3.00 s, 3 runs)');
    expect(formatSummary(summarize([12]), formatSeconds)).toBe('12.0 s (1 run)');
  });

  test('markdown table pads every column to its widest cell and checks the row width', () => {
    expect(
      markdownTable(
        ['what', 'ours'],
        [
          ['synth', '3.10 s'],
          ['app', '0.5 s'],
        ],
      ),
    ).toBe(['| what  | ours   |', '|-------|--------|', '| synth | 3.10 s |', '| app   | 0.5 s  |'].join('\n'));
    expect(() => markdownTable(['a', 'b'], [['only one']])).toThrow('row has 1 cells, header has 2');
  });
});
