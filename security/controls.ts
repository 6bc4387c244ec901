// The README's security table, as data: each control, the scanner check and Security Hub control that test
// it, and how this project meets it. The skipped findings are rendered from security/checkov-skips.json, so
// the README cannot drift from what the CI gate accepts.
import { markdownCell } from '../markdown';
import { CHECKOV_SKIPS } from './checkov';

export interface SecurityControl {
  readonly control: string;
  /** checkov check ids that test it (empty when checkov has none). */
  readonly checkov: readonly string[];
  /** AWS Security Hub (AWS Foundational Security Best Practices) control id, when one exists. */
  readonly securityHub?: string;
  /** How the project satisfies it, or why it does not apply. */
  readonly how: string;
}

export const SECURITY_CONTROLS: readonly SecurityControl[] = [
  {
    control: 'TLS only',
    checkov: [],
    securityHub: 'S3.5',
    how: 'Bucket policies of state, log and replica buckets deny every request with aws:SecureTransport=false (left out on emulators).',
  },
  {
    control: 'Block public access',
    checkov: ['CKV_AWS_53', 'CKV_AWS_54', 'CKV_AWS_55', 'CKV_AWS_56', 'CKV2_AWS_6'],
    securityHub: 'S3.8',
    how: 'All four public-access blocks on every bucket, created before any policy.',
  },
  {
    control: 'No public ACLs, ACLs off',
    checkov: ['CKV_AWS_20', 'CKV_AWS_57', 'CKV2_AWS_65'],
    securityHub: 'S3.12',
    how: 'Object ownership BucketOwnerEnforced on every bucket; there is no ACL setting.',
  },
  {
    control: 'Bucket policy grants no wildcard principal',
    checkov: ['CKV_AWS_70', 'CKV_AWS_93'],
    securityHub: 'S3.6',
    how: 'Wildcard principals appear only in Deny statements; cross-account principals must pass principalArnRule (no "*").',
  },
  {
    control: 'Server access logging',
    checkov: ['CKV_AWS_18'],
    securityHub: 'S3.9',
    how: 'On by default (TFSTATE_ACCESS_LOGGING) into a separate log bucket per region; turning it off needs TFSTATE_ACCEPT_RISKS=no-access-logging.',
  },
  {
    control: 'Log bucket hardening',
    checkov: ['CKV_AWS_21', 'CKV_AWS_19'],
    how: 'Log buckets are versioned, SSE-S3 (AES256, what log delivery requires), private, writable only by logging.s3.amazonaws.com for the source bucket and account, expired after TFSTATE_ACCESS_LOG_DAYS.',
  },
  {
    control: 'Versioning',
    checkov: ['CKV_AWS_21'],
    securityHub: 'S3.14',
    how: 'Every bucket is versioned; superseded state is kept TFSTATE_NONCURRENT_DAYS (under 30 needs TFSTATE_ACCEPT_RISKS=short-retention).',
  },
  {
    control: 'Lifecycle configuration',
    checkov: ['CKV2_AWS_61', 'CKV_AWS_300'],
    securityHub: 'S3.13',
    how: 'Only noncurrent state versions expire (current state never does), after TFSTATE_NONCURRENT_DAYS; delete markers with no version left behind them (lockfile litter) are removed; stale multipart uploads are aborted after 7 days.',
  },
  {
    control: 'Encryption with a customer managed KMS key',
    checkov: ['CKV_AWS_145', 'CKV_AWS_19'],
    securityHub: 'S3.17',
    how: 'State and replica buckets default to SSE-KMS with their own key and an S3 bucket key.',
  },
  {
    control: "Uploads only with the state's KMS key",
    checkov: [],
    how: "Bucket policy denies PutObject that asks for another encryption type, names another KMS key (the key ARN, id, alias name and alias ARN are accepted, since Terraform sends kms_key_id as the alias; other accounts only the key ARN), asks for aws:kms without a key (aws/s3), or uses SSE-C; header-less uploads get the state's KMS key. Decided by the request matrix below. Left out on emulators.",
  },
  {
    control: 'Cross-region replication',
    checkov: ['CKV_AWS_144'],
    securityHub: 'S3.7',
    how: 'Opt-in with TFSTATE_REPLICA_REGION: versioned replica with its own KMS key in that region, least-privilege replication role, delete markers not replicated.',
  },
  {
    control: 'Event notifications',
    checkov: ['CKV2_AWS_62'],
    securityHub: 'S3.11',
    how: 'Every bucket sends its object events to EventBridge (no charge for AWS service events); left out on emulators.',
  },
  {
    control: 'KMS key policy defined, no wildcard principal',
    checkov: ['CKV2_AWS_64', 'CKV_AWS_33'],
    how: "Explicit key policy naming the account root (which delegates to the state users' IAM policies); extra statements only through additionalPolicyStatements.",
  },
  {
    control: 'KMS key rotation',
    checkov: ['CKV_AWS_7'],
    securityHub: 'KMS.4',
    how: 'enable_key_rotation on every key.',
  },
  {
    control: 'KMS key enabled',
    checkov: ['CKV_AWS_227'],
    how: 'Keys are created enabled; nothing in the project disables them.',
  },
  {
    control: 'KMS keys not deleted unintentionally',
    checkov: [],
    securityHub: 'KMS.3',
    how: 'prevent_destroy on keys and aliases and the maximum 30-day deletion window; only TFSTATE_ALLOW_DESTROY lifts prevent_destroy.',
  },
  {
    control: 'DynamoDB encryption with a customer managed key',
    checkov: ['CKV_AWS_119'],
    how: "The lock table is encrypted with the state's KMS key.",
  },
  {
    control: 'DynamoDB point-in-time recovery',
    checkov: ['CKV_AWS_28'],
    securityHub: 'DynamoDB.2',
    how: 'PITR on the lock table.',
  },
  {
    control: 'DynamoDB backup plan',
    checkov: [],
    securityHub: 'DynamoDB.4',
    how: 'Not applicable: the lock table holds only transient locks and digests Terraform recreates; PITR covers it.',
  },
  {
    control: 'DynamoDB deletion protection',
    checkov: [],
    securityHub: 'DynamoDB.6',
    how: 'deletion_protection_enabled and prevent_destroy; only TFSTATE_ALLOW_DESTROY lifts them.',
  },
  {
    control: 'DynamoDB auto scaling',
    checkov: ['CKV2_AWS_16'],
    securityHub: 'DynamoDB.1',
    how: 'On-demand billing (PAY_PER_REQUEST), which scales by itself.',
  },
  {
    control: 'Buckets not destroyed by accident',
    checkov: [],
    how: 'prevent_destroy on state, log and replica buckets; only TFSTATE_ALLOW_DESTROY lifts it (and then lets log buckets be emptied by destroy).',
  },
  {
    control: 'No hard-coded credentials',
    checkov: ['CKV_AWS_41'],
    how: "Against AWS, providers and backends read credentials from the environment only; against an emulator endpoint they carry the emulator's dummy pair (`test`/`test`), never a real one.",
  },
  {
    control: 'VPC flow logs',
    checkov: ['CKV2_AWS_11'],
    securityHub: 'EC2.6',
    how: 'Accepted for the placeholder VPC only (see below); the infrastructure that replaces it brings its own.',
  },
  {
    control: 'Placeholder VPC default security group',
    checkov: ['CKV2_AWS_12'],
    securityHub: 'EC2.2',
    how: 'The app stack adopts the VPC default security group with no rules.',
  },
];

const ids = (list: readonly string[]) => (list.length === 0 ? '-' : list.map((id) => `\`${id}\``).join(' '));

/** The README's security block: controls, then every accepted checkov finding with its reason. */
export function renderSecurityTable(): string {
  const controls = SECURITY_CONTROLS.map(
    (c) => `| ${markdownCell(c.control)} | ${ids(c.checkov)} | ${c.securityHub ?? '-'} | ${markdownCell(c.how)} |`,
  );
  const skips = CHECKOV_SKIPS.map(
    (s) =>
      `| \`${s.check}\` | ${s.resources.map((r) => `\`${r}\``).join(' ')} | ${s.variants ? s.variants.join(', ') : 'all'} | ${markdownCell(s.reason)} |`,
  );
  return [
    '| Control | checkov | Security Hub | How |',
    '|---|---|---|---|',
    ...controls,
    '',
    'Accepted checkov findings (`security/checkov-skips.json`; `npm run scan` fails on any other, and on a skip that no longer matches):',
    '',
    '| Check | Resources | Scan variants | Why it is accepted |',
    '|---|---|---|---|',
    ...skips,
  ].join('\n');
}
