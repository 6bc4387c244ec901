// Decides catalog rows (security/request-catalog.ts) with an IAM policy simulator against the documents the
// bootstrap stack synthesizes for real AWS (no endpoint), with Terraform references replaced by concrete ARNs.
import { runSimulation, runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';

// runUnsafeSimulation loads the resource policy without a name and then reads its name: give it one.
jest.mock('@cloud-copilot/iam-policy', () => {
  const actual = jest.requireActual('@cloud-copilot/iam-policy');
  return {
    ...actual,
    loadPolicy: (policy: unknown, options?: object) =>
      actual.loadPolicy(policy, options ?? { name: 'resource policy' }),
  };
});

import { exportSettings } from '../exports/export';
import type { PolicyDocument, Statement } from '../iam/document';
import type { CatalogRow, Consumer, Upload } from '../security/request-catalog';
import { configFrom, synthAll } from './helpers';

export const OWNER = '123456789012';
export const REGION = 'us-east-1';
export const BUCKET = 'tfstate-0a1b2c3d4e5f-us-east-1';
export const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
export const KEY_ARN = `arn:aws:kms:${REGION}:${OWNER}:key/${KEY_ID}`;
export const ALIAS = `alias/${BUCKET}`;
const ALIAS_ARN = `arn:aws:kms:${REGION}:${OWNER}:${ALIAS}`;
const REPLICA_REGION = 'eu-west-1';
const REPLICA_KEY_ID = '5678abcd-12ab-34cd-56ef-1234567890ab';
const REPLICA_KEY_ARN = `arn:aws:kms:${REPLICA_REGION}:${OWNER}:key/${REPLICA_KEY_ID}`;
const OTHER_KEY_ARN = `arn:aws:kms:${REGION}:${OWNER}:key/9999abcd-12ab-34cd-56ef-1234567890ab`;
const AWS_S3_KEY_ARN = `arn:aws:kms:${REGION}:${OWNER}:key/aaaaaaaa-12ab-34cd-56ef-1234567890ab`;
const FOREIGN_KEY_ARN = `arn:aws:kms:${REGION}:999988887777:key/bbbbbbbb-12ab-34cd-56ef-1234567890ab`;
export const WRITER = 'arn:aws:iam::111122223333:role/terraform';
export const READER = 'arn:aws:iam::444455556666:role/reader';
const ROLE_ARN = `arn:aws:iam::${OWNER}:role/tfstate-replication-1`;

// No environments configured: the rows for env/dev's key are decided on what the first deploy grants.
const BASE_SETTINGS = { TFSTATE_CROSS_ACCOUNT_PRINCIPALS: WRITER, TFSTATE_CROSS_ACCOUNT_READERS: READER };

/** The config variants the rows need: each locking mode, and replication on. */
export const VARIANTS = {
  dynamodb: { ...BASE_SETTINGS, TFSTATE_LOCKING: 'dynamodb' },
  s3: { ...BASE_SETTINGS, TFSTATE_LOCKING: 's3' },
  both: { ...BASE_SETTINGS, TFSTATE_LOCKING: 'both' },
  replication: { ...BASE_SETTINGS, TFSTATE_REPLICA_REGION: REPLICA_REGION },
} as const;
export type Variant = keyof typeof VARIANTS;

/** Named documents of one variant: synthesized ones and what the export hands its users. */
export type Documents = Record<string, PolicyDocument | undefined>;

/** Concrete values of the Terraform references in the synthesized documents (by resource type, construct id and attribute). */
function concrete(reference: string): string {
  const values: [RegExp, string][] = [
    [/^data\.aws_caller_identity\.account\.account_id$/, OWNER],
    [/^aws_kms_key\.state-key_[0-9A-F]{8}\.arn$/, KEY_ARN],
    [/^aws_kms_key\.state-key_[0-9A-F]{8}\.key_id$/, KEY_ID],
    [/^aws_kms_alias\.state-key_alias_[0-9A-F]{8}\.arn$/, ALIAS_ARN],
    [/^aws_kms_key\.replication_replica-key_[0-9A-F]{8}\.arn$/, REPLICA_KEY_ARN],
    [/^aws_kms_key\.replication_replica-key_[0-9A-F]{8}\.key_id$/, REPLICA_KEY_ID],
    [
      /^aws_kms_alias\.replication_replica-key_alias_[0-9A-F]{8}\.arn$/,
      `arn:aws:kms:${REPLICA_REGION}:${OWNER}:${ALIAS}-replica`,
    ],
  ];
  const found = values.find(([pattern]) => pattern.test(reference));
  if (!found) throw new Error(`no concrete value for \${${reference}}`);
  return found[1];
}

function parsed(json: string | undefined): PolicyDocument | undefined {
  return json === undefined
    ? undefined
    : (JSON.parse(json.replace(/\$\{([^}]+)\}/g, (_, reference: string) => concrete(reference))) as PolicyDocument);
}

function byConstructId(
  resources: Record<string, Record<string, unknown>> | undefined,
  id: string,
  attribute = 'policy',
): string | undefined {
  const found = Object.entries(resources ?? {}).find(
    ([name]) => new RegExp(`^${id}_[0-9A-F]{8}$`).test(name) || name === id,
  );
  return found?.[1][attribute] as string | undefined;
}

function exported(
  settings: Record<string, string>,
  request: Parameters<typeof exportSettings>[1],
  keyArn?: string,
): PolicyDocument {
  return JSON.parse(
    exportSettings(configFrom(settings), { format: 'policy', ...request }, keyArn ? { keyArn } : {}),
  ) as PolicyDocument;
}

export function documentsOf(variant: Variant): Documents {
  const { bootstrap } = synthAll(VARIANTS[variant]);
  const resource = bootstrap.json.resource;
  return {
    'state bucket policy': parsed(byConstructId(resource.aws_s3_bucket_policy, 'state-bucket_policy')),
    'log bucket policy': parsed(byConstructId(resource.aws_s3_bucket_policy, 'log-bucket_policy')),
    'replica bucket policy': parsed(byConstructId(resource.aws_s3_bucket_policy, 'replication_replica-bucket_policy')),
    'KMS key policy': parsed(byConstructId(resource.aws_kms_key, 'state-key')),
    'replica key policy': parsed(byConstructId(resource.aws_kms_key, 'replication_replica-key')),
    'table resource policy': parsed(byConstructId(resource.aws_dynamodb_resource_policy, 'lock-table-cross-account')),
    'managed read-write': parsed(byConstructId(resource.aws_iam_policy, 'access-policies_read-write')),
    'managed read-only': parsed(byConstructId(resource.aws_iam_policy, 'access-policies_read-only')),
    'managed kops': parsed(byConstructId(resource.aws_iam_policy, 'access-policies_kops')),
    'replication role policy': parsed(byConstructId(resource.aws_iam_role_policy, 'replication_role-policy')),
    'replication trust policy': parsed(byConstructId(resource.aws_iam_role, 'replication_role', 'assume_role_policy')),
    // Before deploy, with TFSTATE_ACCOUNT_ID: the key by account and alias.
    'export: team writer --key network/terraform.tfstate': exported(
      { ...VARIANTS[variant], TFSTATE_ACCOUNT_ID: OWNER },
      { key: 'network/terraform.tfstate' },
    ),
    // After deploy: the key by its ARN from the outputs.
    'export: lokomotive --key lokomotive/mycluster.tfstate': exported(
      VARIANTS[variant],
      { key: 'lokomotive/mycluster.tfstate' },
      KEY_ARN,
    ),
    'export: --for-account read-write': exported(VARIANTS[variant], { forAccount: '111122223333' }, KEY_ARN),
    'export: --for-account kops': exported(VARIANTS[variant], { forAccount: '111122223333', level: 'kops' }, KEY_ARN),
    'export: --for-account read-only': exported(
      VARIANTS[variant],
      { forAccount: '444455556666', level: 'read-only' },
      KEY_ARN,
    ),
    admin: { Version: '2012-10-17', Statement: [{ Sid: 'Admin', Effect: 'Allow', Action: '*', Resource: '*' }] },
  };
}

/** Who each consumer is: principal, the identity policies it holds and the config variant it runs against. */
export const PRINCIPALS: Record<Consumer, { principal: string; identity: readonly string[]; variant: Variant }> = {
  'terraform (dynamodb)': {
    principal: `arn:aws:iam::${OWNER}:role/terraform`,
    identity: ['managed read-write'],
    variant: 'dynamodb',
  },
  'terraform (s3 lockfile)': {
    principal: `arn:aws:iam::${OWNER}:role/terraform`,
    identity: ['managed read-write'],
    variant: 's3',
  },
  'terraform (both)': {
    principal: `arn:aws:iam::${OWNER}:role/terraform`,
    identity: ['managed read-write'],
    variant: 'both',
  },
  'read-only user': {
    principal: `arn:aws:iam::${OWNER}:role/reader`,
    identity: ['managed read-only'],
    variant: 'dynamodb',
  },
  lokomotive: {
    principal: `arn:aws:iam::${OWNER}:user/lokoctl`,
    identity: ['export: lokomotive --key lokomotive/mycluster.tfstate'],
    variant: 'dynamodb',
  },
  kops: { principal: `arn:aws:iam::${OWNER}:role/kops`, identity: ['managed kops'], variant: 'dynamodb' },
  'team writer (one key)': {
    principal: `arn:aws:iam::${OWNER}:role/network-team`,
    identity: ['export: team writer --key network/terraform.tfstate'],
    variant: 'dynamodb',
  },
  'cross-account writer': {
    principal: WRITER,
    identity: ['export: --for-account read-write', 'export: --for-account kops'],
    variant: 'dynamodb',
  },
  'cross-account reader': { principal: READER, identity: ['export: --for-account read-only'], variant: 'dynamodb' },
  'cross-account writer, all-powerful at home': { principal: WRITER, identity: ['admin'], variant: 'dynamodb' },
  'cross-account reader, all-powerful at home': { principal: READER, identity: ['admin'], variant: 'dynamodb' },
  'replication role': { principal: ROLE_ARN, identity: ['replication role policy'], variant: 'replication' },
  's3 log delivery': { principal: 'logging.s3.amazonaws.com', identity: [], variant: 'dynamodb' },
  'operator (npm run state)': {
    principal: `arn:aws:iam::${OWNER}:role/operator`,
    identity: ['admin'],
    variant: 'dynamodb',
  },
  'stranger account': { principal: 'arn:aws:iam::999988887777:role/admin', identity: ['admin'], variant: 'dynamodb' },
};

/**
 * Whether S3 fills the key-id condition key with the key it resolves (the alias in the caller's account, the
 * bucket default when the request names none, aws/s3 for aws:kms without a key) or with the header as sent
 * (absent when not sent). AWS's documentation supports both readings; every upload row is decided under both.
 */
export type Reading = 'resolved' | 'as-sent';
export const READINGS: readonly Reading[] = ['resolved', 'as-sent'];

const SSE = 's3:x-amz-server-side-encryption';
const SSE_KEY = 's3:x-amz-server-side-encryption-aws-kms-key-id';

function accountOf(principal: string): string {
  return /^arn:aws:iam::(\d{12}):/.exec(principal)?.[1] ?? OWNER;
}

function uploadContext(upload: Upload, reading: Reading, caller: string): Record<string, string> {
  if (upload.customerKey) return { 's3:x-amz-server-side-encryption-customer-algorithm': 'AES256' };
  if (reading === 'as-sent') {
    const sent: Record<NonNullable<Upload['keyId']>, string> = {
      'key-arn': KEY_ARN,
      'key-id': KEY_ID,
      alias: ALIAS,
      'alias-arn': ALIAS_ARN,
      'aws-s3-key': AWS_S3_KEY_ARN,
      'other-account-key': FOREIGN_KEY_ARN,
    };
    return { ...(upload.sse ? { [SSE]: upload.sse } : {}), ...(upload.keyId ? { [SSE_KEY]: sent[upload.keyId] } : {}) };
  }
  const sse = upload.sse ?? 'aws:kms';
  if (sse === 'AES256') return { [SSE]: sse };
  // Names a key id or alias resolve to in the caller's account; only the owner's resolve to the state's KMS key.
  const inCallersAccount = caller === OWNER ? KEY_ARN : `arn:aws:kms:${REGION}:${caller}:key/${KEY_ID}`;
  const resolved: Record<NonNullable<Upload['keyId']>, string> = {
    'key-arn': KEY_ARN,
    'key-id': inCallersAccount,
    alias: inCallersAccount,
    'alias-arn': KEY_ARN,
    'aws-s3-key': AWS_S3_KEY_ARN,
    'other-account-key': FOREIGN_KEY_ARN,
  };
  const key = upload.keyId ? resolved[upload.keyId] : upload.sse ? AWS_S3_KEY_ARN : KEY_ARN;
  return { [SSE]: sse, [SSE_KEY]: key };
}

const fill = (text: string) =>
  text
    .replace(/\{bucketName\}/g, BUCKET)
    .replace(/\{bucket\}/g, `arn:aws:s3:::${BUCKET}`)
    .replace(/\{logs\}/g, `arn:aws:s3:::${BUCKET}-logs`)
    .replace(/\{replica\}/g, `arn:aws:s3:::${BUCKET}-replica`)
    .replace(/\{replicaKey\}/g, REPLICA_KEY_ARN)
    .replace(/\{otherKey\}/g, OTHER_KEY_ARN)
    .replace(/\{key\}/g, KEY_ARN)
    .replace(/\{table\}/g, `arn:aws:dynamodb:${REGION}:${OWNER}:table/terraform-locks`)
    .replace(/\{role\}/g, ROLE_ARN);

/** The resource policy that governs a row's resource. */
export function resourcePolicyName(row: CatalogRow): string | undefined {
  const prefixes: [string, string | undefined][] = [
    ['{bucket}', 'state bucket policy'],
    ['{logs}', 'log bucket policy'],
    ['{replicaKey}', 'replica key policy'],
    ['{replica}', 'replica bucket policy'],
    ['{key}', 'KMS key policy'],
    ['{otherKey}', 'other key policy'],
    ['{table}', 'table resource policy'],
    ['{role}', 'replication trust policy'],
  ];
  return prefixes.find(([prefix]) => row.resource.startsWith(prefix))?.[1];
}

/** Documents a row's decision depends on. */
export function documentsOfRow(row: CatalogRow): string[] {
  const resourcePolicy = resourcePolicyName(row);
  return [...PRINCIPALS[row.consumer].identity, ...(resourcePolicy ? [resourcePolicy] : [])];
}

const ROOT_ONLY_KEY_POLICY: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OWNER}:root` }, Action: 'kms:*', Resource: '*' },
  ],
};

/** The simulation of a row under a reading, with these documents. */
function simulationOf(row: CatalogRow, reading: Reading, documents: Documents): Simulation {
  const who = PRINCIPALS[row.consumer];
  const caller = accountOf(who.principal);
  const context: Record<string, string | string[]> = {
    'aws:SecureTransport': row.insecure ? 'false' : 'true',
    'aws:PrincipalAccount': caller,
  };
  if (row.upload) Object.assign(context, uploadContext(row.upload, reading, caller));
  const extra = row.context ?? {};
  for (const [name, value] of Object.entries(extra)) {
    if (name === 'via')
      context['kms:ViaService'] = `s3.${value === 's3-replica' ? REPLICA_REGION : REGION}.amazonaws.com`;
    else if (name === 'context') context[ENCRYPTION_CONTEXT] = fill(value as string);
    else if (name === 'source') context['aws:SourceArn'] = fill(value as string);
    else if (name === 'sourceAccount') context['aws:SourceAccount'] = value as string;
    else context[name] = typeof value === 'string' ? fill(value) : value.map(fill);
  }
  if (row.action.startsWith('kms:')) {
    context['kms:CallerAccount'] = caller;
    if (row.resource === '{key}') context['kms:ResourceAliases'] = [ALIAS];
    context[ENCRYPTION_CONTEXT] ??= `arn:aws:s3:::${BUCKET}`;
  }
  if (who.principal === 'logging.s3.amazonaws.com') context['aws:SourceAccount'] ??= OWNER;
  const resourcePolicy = resourcePolicyName(row);
  return {
    request: {
      principal: row.principal ?? who.principal,
      action: row.action,
      resource: { resource: fill(row.resource), accountId: OWNER },
      contextVariables: context,
    },
    identityPolicies: row.principal ? [] : who.identity.map((name) => ({ name, policy: documents[name] })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy:
      resourcePolicy === 'other key policy'
        ? ROOT_ONLY_KEY_POLICY
        : resourcePolicy
          ? documents[resourcePolicy]
          : undefined,
  };
}

/** The simulator's decision on a row under a reading, with these documents, after validating the request. */
export async function decide(row: CatalogRow, reading: Reading, documents: Documents): Promise<'Allowed' | 'Denied'> {
  const simulation = simulationOf(row, reading, documents);
  const result = await runSimulation(simulation, {});
  if (result.resultType !== 'single')
    throw new Error(
      `${row.consumer}: ${row.request}: ${JSON.stringify(result.resultType === 'error' ? result.errors : result.resultType)}`,
    );
  const ignored = (result.result.ignoredContextKeys ?? []).filter((key) => key !== ENCRYPTION_CONTEXT);
  if (ignored.length > 0)
    throw new Error(`${row.consumer}: ${row.request}: the simulator ignores ${ignored.join(', ')} for ${row.action}`);
  // The simulator's key list has no kms:EncryptionContext:<key> with a colon in <key>; decide those unvalidated.
  const decision = result.result.ignoredContextKeys?.length
    ? runUnsafeSimulation(simulation, {})
    : result.overallResult;
  return decision === 'Allowed' ? 'Allowed' : 'Denied';
}

const ENCRYPTION_CONTEXT = 'kms:EncryptionContext:aws:s3:arn';

/** The same decision without the validation (about 10 times faster): the simulation test checks both agree on every row. */
export function decideUnvalidated(row: CatalogRow, reading: Reading, documents: Documents): 'Allowed' | 'Denied' {
  return runUnsafeSimulation(simulationOf(row, reading, documents), {}) === 'Allowed' ? 'Allowed' : 'Denied';
}

/** Readings a row is decided under: both for uploads, one otherwise (the others carry no key-id). */
export function readingsOf(row: CatalogRow): readonly Reading[] {
  return row.upload ? READINGS : ['resolved'];
}

/** Does the statement apply to the action (wildcards as IAM matches them)? */
export function statementCovers(statement: Statement, action: string): boolean {
  return [statement.Action]
    .flat()
    .some((pattern) =>
      new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(action),
    );
}
