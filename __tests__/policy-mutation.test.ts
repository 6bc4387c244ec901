// Every Deny statement, every Allow action and every condition of the synthesized documents must decide at
// least one catalog row: remove it, and some row is decided otherwise than the catalog expects (as the synthesized
// documents decide every row: policy-simulation.test.ts). One that decides none is dead or untested.
import type { PolicyDocument, Statement } from '../iam/document';
import { type CatalogRow, REQUEST_CATALOG } from '../security/request-catalog';
import {
  type Documents,
  decideUnvalidated,
  documentsOf,
  documentsOfRow,
  PRINCIPALS,
  readingsOf,
  statementCovers,
  type Variant,
} from './simulation';

interface Mutation {
  readonly variant: Variant;
  readonly document: string;
  readonly what: string;
  /** The statement it changes: only rows whose action the statement covers can change. */
  readonly statement: Statement;
  readonly mutated: PolicyDocument;
  /**
   * The decision it can turn: removing a Deny or a condition of an Allow can only allow more, removing an Allow
   * action or a condition of a Deny can only deny more.
   */
  readonly turns: 'Allowed' | 'Denied';
}

function replaceStatement(document: PolicyDocument, index: number, statement: Statement | undefined): PolicyDocument {
  const statements = [...document.Statement];
  if (statement) statements[index] = statement;
  else statements.splice(index, 1);
  return { ...document, Statement: statements };
}

function mutationsOf(variant: Variant, name: string, document: PolicyDocument): Mutation[] {
  return document.Statement.flatMap((statement, index): Mutation[] => {
    // A removed condition widens the statement; a removed statement or action narrows it.
    const at = (what: string, mutated: PolicyDocument, widens = false): Mutation => ({
      variant,
      document: name,
      what: `${statement.Sid}: ${what}`,
      statement,
      mutated,
      turns: (statement.Effect === 'Deny') === widens ? 'Allowed' : 'Denied',
    });
    const found: Mutation[] = [];
    const actions = [statement.Action].flat();
    if (statement.Effect === 'Deny') found.push(at('the whole Deny', replaceStatement(document, index, undefined)));
    else {
      for (const action of actions) {
        const rest = actions.filter((other) => other !== action);
        found.push(
          at(
            `action ${action}`,
            replaceStatement(document, index, rest.length > 0 ? { ...statement, Action: rest } : undefined),
          ),
        );
      }
    }
    for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
      for (const key of Object.keys(keys)) {
        const { [key]: _removed, ...otherKeys } = keys;
        const { [operator]: _operator, ...otherOperators } = statement.Condition!;
        const Condition =
          Object.keys(otherKeys).length > 0 ? { ...otherOperators, [operator]: otherKeys } : otherOperators;
        found.push(
          at(`condition ${operator} ${key}`, replaceStatement(document, index, { ...statement, Condition }), true),
        );
      }
    }
    return found;
  });
}

/**
 * The documents checked, per variant: every document of the default (DynamoDB) variant that a row reads,
 * and what differs in the others (the read-write policy per locking mode, the replication role and key).
 */
const CHECKED: Record<Variant, readonly string[]> = {
  dynamodb: [
    'state bucket policy',
    'log bucket policy',
    'KMS key policy',
    'table resource policy',
    'managed read-write',
    'managed read-only',
    'managed kops',
    'export: team writer --key network/terraform.tfstate',
  ],
  s3: ['managed read-write'],
  both: ['managed read-write'],
  replication: ['replication role policy', 'replication trust policy', 'replica key policy'],
};

/** Does any row decide otherwise than the catalog expects, with the mutated document? */
function anyDecisionChanges(rows: readonly CatalogRow[], mutation: Mutation, mutated: Documents): boolean {
  // Every row is tried until one changes; the likely ones first: a decision the change can turn, of a principal
  // the statement names.
  const principals = JSON.stringify(mutation.statement.Principal ?? null);
  const unlikely = (row: CatalogRow) =>
    Number(row.expected !== mutation.turns) * 2 + Number(!principals.includes(PRINCIPALS[row.consumer].principal));
  return [...rows]
    .sort((a, b) => unlikely(a) - unlikely(b))
    .some((row) => readingsOf(row).some((reading) => decideUnvalidated(row, reading, mutated) !== row.expected));
}

test('removing any Deny statement, Allow action or condition changes the decision of at least one catalog row', () => {
  const dead: string[] = [];
  let checked = 0;
  for (const [variant, names] of Object.entries(CHECKED) as [Variant, readonly string[]][]) {
    const documents = documentsOf(variant);
    const rowsOfVariant = REQUEST_CATALOG.filter((row) => PRINCIPALS[row.consumer].variant === variant);
    for (const name of names) {
      const mutations = mutationsOf(variant, name, documents[name]!);
      for (const mutation of mutations) {
        const rows = rowsOfVariant.filter(
          (row) => documentsOfRow(row).includes(name) && statementCovers(mutation.statement, row.action),
        );
        checked += 1;
        if (!anyDecisionChanges(rows, mutation, { ...documents, [name]: mutation.mutated }))
          dead.push(`${variant} / ${name} / ${mutation.what}`);
      }
    }
  }
  expect(dead).toEqual([]);
  // Every statement of these documents is reached: a regression that drops documents would show here.
  expect(checked).toBeGreaterThan(100);
});
