import { REQUEST_CATALOG } from '../security/request-catalog';
import {
  type Documents,
  decide,
  decideUnvalidated,
  documentsOf,
  PRINCIPALS,
  readingsOf,
  VARIANTS,
  type Variant,
} from './simulation';

const documents = Object.fromEntries(
  Object.keys(VARIANTS).map((variant) => [variant, documentsOf(variant as Variant)]),
) as Record<Variant, Documents>;

describe('every catalog request, decided by an IAM policy simulator against the synthesized real-AWS documents', () => {
  test('the catalog is large enough and covers every consumer', () => {
    const allowed = REQUEST_CATALOG.filter((row) => row.expected === 'Allowed').length;
    expect(allowed).toBeGreaterThanOrEqual(80);
    expect(REQUEST_CATALOG.length - allowed).toBeGreaterThanOrEqual(40);
    expect(new Set(REQUEST_CATALOG.map((row) => row.consumer))).toEqual(new Set(Object.keys(PRINCIPALS)));
  });

  test.each(REQUEST_CATALOG.map((row) => [row.consumer, row.request, row.expected, row] as const))(
    '%s: %s -> %s',
    async (_consumer, _request, expected, row) => {
      for (const reading of readingsOf(row)) {
        const variant = documents[PRINCIPALS[row.consumer].variant];
        expect([reading, await decide(row, reading, variant)]).toEqual([reading, expected]);
        // The mutation test decides unvalidated, for speed: the two must agree.
        expect([reading, decideUnvalidated(row, reading, variant)]).toEqual([reading, expected]);
      }
    },
  );
});
