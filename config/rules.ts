// Pure validators: each returns undefined when the value is fine, else the rule it breaks (a phrase that
// completes "<setting>=<value>: ..."). No AWS calls, no I/O, so every rule is tested on its own.
import { quoted } from '../errors';

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** General purpose bucket naming rules, as AWS documents them for S3 (not directory or table buckets). */
export function bucketNameRule(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return `must be 3 to 63 characters long (has ${name.length})`;
  if (!/^[a-z0-9.-]+$/.test(name)) return 'may contain only lowercase letters, digits, dots (.) and hyphens (-)';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name))
    return 'must begin and end with a lowercase letter or a digit';
  if (name.includes('..')) return 'must not contain two adjacent dots';
  if (name.includes('.-') || name.includes('-.')) return 'must not have a dot next to a hyphen';
  if (IPV4.test(name)) return 'must not be formatted as an IP address';
  for (const prefix of ['xn--', 'sthree-', 'amzn-s3-demo-']) {
    if (name.startsWith(prefix)) return `must not start with the reserved prefix "${prefix}"`;
  }
  for (const suffix of ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3']) {
    if (name.endsWith(suffix)) return `must not end with the reserved suffix "${suffix}"`;
  }
  return undefined;
}

/** DynamoDB table naming rules. */
export function tableNameRule(name: string): string | undefined {
  if (name.length < 3 || name.length > 255) return `must be 3 to 255 characters long (has ${name.length})`;
  if (!/^[A-Za-z0-9_.-]+$/.test(name))
    return 'may contain only letters, digits, underscores (_), hyphens (-) and dots (.)';
  return undefined;
}

// <area>[-<sub-area>]-<direction>-<number>, as in us-east-1, us-gov-west-1, cn-north-1, us-isob-east-1, eusc-de-east-1.
const REGION =
  /^[a-z]{2,4}(-[a-z]{2,4})?-(north|south|east|west|central|northeast|southeast|northwest|southwest)-[1-9][0-9]?$/;

/** AWS region code shape. */
export function regionRule(region: string): string | undefined {
  return REGION.test(region) ? undefined : 'must be an AWS region code such as us-east-1 or eu-central-1';
}

/**
 * Any value that reaches synthesized Terraform: strings in cdk.tf.json are templates, so "${...}" and
 * "%{...}" in a setting would be evaluated (reading files, calling functions) instead of used as written.
 * Refused rather than escaped: no bucket, key, prefix or URL of this project needs those two characters.
 */
export function templateRule(value: string): string | undefined {
  if (value.includes('${') || value.includes('%{'))
    return 'must not contain "${" or "%{" (Terraform would evaluate it as an expression in the synthesized configuration)';
  return undefined;
}

/**
 * State object key: an S3 object key (at most 1024 bytes of UTF-8) that Terraform's S3 backend accepts
 * (no leading or trailing "/", no "//"), printable, and not one of the names the backend derives from a key.
 * Keys already in a bucket (`npm run state` moves and deletes them) need no more than this.
 */
export function existingStateKeyRule(key: string): string | undefined {
  if (key.length === 0) return 'must not be empty';
  if (Buffer.byteLength(key) > 1024) return 'must be at most 1024 bytes (S3 object key limit)';
  if (key.startsWith('/') || key.endsWith('/')) return 'must not start or end with "/" (Terraform S3 backend rule)';
  if (key.includes('//')) return 'must not contain "//" (Terraform S3 backend rule)';
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'must not contain control characters';
  if (key.split('/').some((segment) => segment === '.' || segment === '..'))
    return 'must not contain "." or ".." path segments';
  if (key.endsWith('.tflock') || key.endsWith('-md5'))
    return 'must not end with ".tflock" or "-md5" (names Terraform derives for locks and digests)';
  if (key.startsWith('env:/'))
    return 'must not start with "env:/" (where Terraform keeps the workspaces of other keys)';
  return undefined;
}

/** A state key the project writes into policies (settings, `--key`): no Terraform template, no IAM wildcard. */
export function stateKeyRule(key: string): string | undefined {
  const template = templateRule(key);
  if (template) return template;
  if (key.includes('*') || key.includes('?'))
    return 'must not contain "*" or "?" (IAM wildcards: a policy for this key would cover other keys)';
  return existingStateKeyRule(key);
}

/** True when `key` is the folder `folder` itself or lies inside it (what an IAM grant on `<folder>/*` reaches). */
export function inFolder(key: string, folder: string): boolean {
  return key === folder || key.startsWith(`${folder}/`);
}

/** A key prefix (environment prefix): a state key rule without the derived-suffix concern. */
export function keyPrefixRule(prefix: string): string | undefined {
  const rule = stateKeyRule(prefix);
  if (rule) return rule;
  return prefix.includes(':') ? 'must not contain ":" (reserved for workspace key prefixes)' : undefined;
}

/** KMS alias names: alias/<1-250 of letters, digits, / _ ->, never in the AWS-reserved alias/aws/ space. */
export function kmsAliasRule(alias: string): string | undefined {
  if (!alias.startsWith('alias/')) return 'must start with "alias/"';
  if (alias.startsWith('alias/aws/')) return 'must not start with "alias/aws/" (reserved for AWS managed keys)';
  const name = alias.slice('alias/'.length);
  if (name.length < 1 || name.length > 250) return 'must have 1 to 250 characters after "alias/"';
  if (!/^[A-Za-z0-9/_-]+$/.test(name)) return 'may contain only letters, digits, "/", "_" and "-" after "alias/"';
  return undefined;
}

/** Endpoint of an S3/DynamoDB-compatible service: an http(s) URL with a host and nothing after the path. */
export function endpointRule(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an absolute URL such as http://127.0.0.1:5000';
  }
  // An http(s) URL always names a host: the URL parser refuses "http://" and "http://:4566".
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'must use http:// or https://';
  if (parsed.username || parsed.password)
    return 'must not carry credentials (use AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)';
  if (parsed.search || parsed.hash) return 'must not have a query string or fragment';
  const host = parsed.hostname.replace(/\.+$/, '');
  const aws = AWS_DOMAINS.find((domain) => host === domain || host.endsWith(`.${domain}`));
  if (aws)
    return `must not name AWS itself (${aws}): an endpoint means an emulator, for which synth leaves out the bucket policies' TLS and encryption denies; unset it for real AWS`;
  return undefined;
}

/**
 * The endpoint as the URL parser read it (http://127.1 is http://127.0.0.1, [0::1] is [::1], no trailing "/"),
 * which is what the loopback check judged: Terraform, the provider and kOps (Go) would read the text as
 * written, and look up "127.1" or "0x7f.0.0.1" as a host name in DNS. Text that is no URL stays as given.
 */
export function canonicalEndpoint(url: string): string {
  try {
    return new URL(url).href.replace(/\/+$/, '');
  } catch {
    return url;
  }
}

/** A URL to this machine (the URL parser has already written 127.1 or 0x7f.1 as 127.0.0.1, [0::1] as [::1]); endpointRule checks the rest. */
export function hasLoopbackHost(url: string): boolean {
  try {
    return /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** Domains of AWS's own endpoints in every partition (the URL parser has already mapped lookalike dots and letters). */
const AWS_DOMAINS = [
  'amazonaws.com',
  'amazonaws.com.cn',
  'amazonaws.eu',
  'api.aws',
  'c2s.ic.gov',
  'sc2s.sgov.gov',
  'cloud.adc-e.uk',
  'csp.hci.ic.gov',
];

/** Environment names become stack ids (`app-<env>`) and key segments. */
export function environmentNameRule(name: string): string | undefined {
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(name))
    return 'each environment must be 1 to 32 lowercase letters, digits or hyphens, starting with a letter';
  if (name.endsWith('-')) return 'each environment must not end with a hyphen';
  return undefined;
}

/** Days S3 keeps a noncurrent version or a log object: a positive whole number (S3 lifecycle days), capped at 100 years. */
export function retentionDaysRule(days: number): string | undefined {
  return Number.isInteger(days) && days >= 1 && days <= 36500
    ? undefined
    : 'must be a whole number of days from 1 to 36500';
}

/**
 * A principal another account's users act as: a 12-digit account id or an IAM ARN of the account root, a
 * user or a role. Wildcards are refused: a state bucket readable by "*" gives every secret in state away.
 */
export function principalArnRule(principal: string): string | undefined {
  if (principal.includes('*') || principal.includes('?'))
    return 'must not contain wildcards (every principal is named explicitly)';
  if (/^\d{12}$/.test(principal)) return undefined;
  const match = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-[a-z]|aws-eusc):iam::(\d{12}):(.+)$/.exec(principal);
  if (!match) return 'must be a 12-digit account id or an IAM ARN such as arn:aws:iam::123456789012:role/terraform';
  const resource = match[3];
  if (resource === 'root') return undefined;
  if (!/^(user|role)(\/[\w+=,.@-]+)*\/[\w+=,.@-]{1,64}$/.test(resource))
    return 'must name root, a user/<name> or a role/<name> after the account id';
  return undefined;
}

/** An AWS account id. */
export function accountIdRule(accountId: string): string | undefined {
  return /^\d{12}$/.test(accountId) ? undefined : 'must be a 12-digit AWS account id';
}

/**
 * An existing KMS key to use: a key ARN (not an alias, not a bare id: policies and the bucket's default
 * encryption need the ARN) in the state bucket's region (S3 only uses keys of its own region).
 */
export function kmsKeyArnRule(arn: string, region: string): string | undefined {
  const match =
    /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-[a-z]|aws-eusc):kms:([a-z0-9-]+):(\d{12}):(key|alias)\/(.+)$/.exec(
      arn,
    );
  if (!match)
    return 'must be a KMS key ARN such as arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  if (match[4] === 'alias') return 'must name the key itself (key/<id>), not an alias';
  if (!/^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/.test(match[5]))
    return 'must end in key/<key id> (a UUID or mrk-<32 hex digits>)';
  if (match[2] !== region)
    return `must be a key in ${region}, the state bucket's region (S3 encrypts only with keys of its own region)`;
  return undefined;
}

// What S3, DynamoDB, KMS and IAM all accept in a tag: Unicode letters, digits, spaces and _ . : / = + - @.
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** A tag key the user adds: AWS tag rules, and not in the reserved aws: space. */
export function tagKeyRule(key: string): string | undefined {
  if (key.length < 1 || key.length > 128)
    return `tag keys must be 1 to 128 characters long (${quoted(key)} has ${key.length})`;
  if (!TAG_CHARACTERS.test(key))
    return `tag keys may contain only letters, digits, spaces and _ . : / = + - @ (${quoted(key)})`;
  if (key.toLowerCase().startsWith('aws:'))
    return `tag keys must not start with "aws:" (reserved for AWS) (${quoted(key)})`;
  // cdktf copies maps by assignment, and assigning "__proto__" sets a prototype: the tag vanished from cdk.tf.json.
  if (key === '__proto__')
    return 'tag key "__proto__" cannot be synthesized (cdktf drops it from the provider\'s default_tags); pick another key';
  return undefined;
}

/** A tag value: AWS tag rules (it may be empty). */
export function tagValueRule(key: string, value: string): string | undefined {
  if (value.length > 256)
    return `tag values must be at most 256 characters long (the value of ${quoted(key)} has ${value.length})`;
  if (!TAG_CHARACTERS.test(value))
    return `tag values may contain only letters, digits, spaces and _ . : / = + - @ (the value of ${quoted(key)})`;
  return undefined;
}

/** A role for the backend (or the AWS SDK) to assume: an IAM role ARN, path allowed, no wildcard. */
export function roleArnRule(arn: string): string | undefined {
  if (
    !/^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-[a-z]|aws-eusc):iam::\d{12}:role(\/[\w+=,.@-]+)*\/[\w+=,.@-]{1,64}$/.test(
      arn,
    )
  ) {
    return 'must be an IAM role ARN such as arn:aws:iam::123456789012:role/terraform';
  }
  return undefined;
}

/** A named profile of the shared AWS config and credentials files, as the AWS CLI and SDKs write them. */
export function profileNameRule(profile: string): string | undefined {
  return /^[A-Za-z0-9][A-Za-z0-9_.+@-]{0,63}$/.test(profile)
    ? undefined
    : 'must be a profile name of 1 to 64 letters, digits and _ . + @ - (as in ~/.aws/config)';
}
