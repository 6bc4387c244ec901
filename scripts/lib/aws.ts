// AWS SDK clients for one endpoint (real AWS or an emulator), each request bounded in time, and the probe that
// tells a silent endpoint apart from one that answers. What the commands do with the clients is in ops/.

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { EMULATOR_CREDENTIALS } from '../../config/backend';
import { httpStatus, UserError } from '../../errors';
import { bucketExists } from '../../ops/bucket';

export interface AwsClients {
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  readonly kms: KMSClient;
  readonly iam: IAMClient;
  readonly sts: STSClient;
}

/** The environment a terraform/cdktf process needs to talk to an emulator instead of AWS. */
export function emulatorEnv(endpoint: string, region: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
    AWS_REGION: region,
  };
}

/** How long one AWS request may take and how often it is tried: every SDK call of the commands is bounded. */
export interface AwsLimits {
  /** Connecting to the endpoint. */
  readonly connectTimeoutMs: number;
  /** Waiting on an open connection with nothing arriving. */
  readonly requestTimeoutMs: number;
  /** Tries in all (the SDK retries timeouts and connection failures with backoff). */
  readonly maxAttempts: number;
  /**
   * With one SDK attempt: how often an answer that says "try again" (throttling, a 5xx) is tried once more, after
   * backoffMs, doubling. Such a request has ended, so sending it again cannot overlap it. @default no such retry
   */
  readonly answeredRetries?: { readonly times: number; readonly backoffMs: number };
}

/** At most about 3 x 10 s plus backoff: a frozen endpoint is reported well within a minute. */
export const AWS_LIMITS: AwsLimits = { connectTimeoutMs: 3_000, requestTimeoutMs: 10_000, maxAttempts: 3 };

/**
 * For bulk work (listing a whole bucket, deleting batches of versions), which a slow endpoint answers slowly: a
 * batch that timed out may still be running there, so it is never sent again (one attempt) while the first could
 * overlap it, and each request may take as long as a slow but answering endpoint needs.
 */
export const BULK_LIMITS: AwsLimits = {
  connectTimeoutMs: 3_000,
  requestTimeoutMs: 120_000,
  maxAttempts: 1,
  answeredRetries: { times: 4, backoffMs: 1_000 },
};

/** Clients for `region`; with an endpoint they talk to it path-style with the emulator credentials. */
export function awsClients(region: string, endpoint: string | undefined, limits: AwsLimits = AWS_LIMITS): AwsClients {
  // The SDK warns on Node < 22 that releases after January 2027 will need it; ours is pinned (package.json),
  // so the eight-line warning would only bury the command's own output. A user's explicit setting wins.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const common = {
    region,
    maxAttempts: limits.maxAttempts,
    requestHandler: {
      connectionTimeout: limits.connectTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
    ...(endpoint === undefined ? {} : { endpoint, credentials: EMULATOR_CREDENTIALS }),
  };
  return {
    s3: nameUnansweredEndpoint(new S3Client({ ...common, forcePathStyle: endpoint !== undefined }), 'S3', limits),
    dynamodb: nameUnansweredEndpoint(new DynamoDBClient(common), 'DynamoDB', limits),
    kms: nameUnansweredEndpoint(new KMSClient(common), 'KMS', limits),
    iam: nameUnansweredEndpoint(new IAMClient(common), 'IAM', limits),
    sts: nameUnansweredEndpoint(new STSClient(common), 'STS', limits),
  };
}

// Node's and the SDK's names for "the endpoint did not answer" (as opposed to an answer that says no).
const UNANSWERED = new Set([
  'TimeoutError',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** True when the endpoint answered "not now" (S3's SlowDown, a throttling error, a 5xx): the request is over. */
function answeredTryAgain(error: unknown): boolean {
  const status = httpStatus(error) ?? 0;
  return (error as { $retryable?: unknown }).$retryable !== undefined || status === 429 || status >= 500;
}

/** True when the request got no answer at all: a timeout or a failed connection. */
export function unanswered(error: unknown): boolean {
  const { name, code } = error as { name?: string; code?: string };
  return UNANSWERED.has(name ?? '') || UNANSWERED.has(code ?? '');
}

type ClientWithStack = S3Client | DynamoDBClient | KMSClient | IAMClient | STSClient;

/**
 * Turns "no answer after every attempt" into a one-line UserError that names the service and the endpoint
 * the request went to (the endpoint is only known once the SDK has resolved it, so it is recorded on the way out).
 */
function nameUnansweredEndpoint<C extends ClientWithStack>(client: C, service: string, limits: AwsLimits): C {
  type Context = { tfstateEndpoint?: string };
  const stack = client.middlewareStack as unknown as {
    add(
      middleware: (next: (args: unknown) => Promise<unknown>, context: Context) => (args: unknown) => Promise<unknown>,
      options: Record<string, string>,
    ): void;
  };
  stack.add(
    (next, context) => async (args) => {
      const request = (args as { request?: { protocol?: string; hostname?: string; port?: number } }).request;
      if (request?.hostname)
        context.tfstateEndpoint = `${request.protocol ?? 'https:'}//${request.hostname}${request.port ? `:${request.port}` : ''}`;
      return next(args);
    },
    { step: 'finalizeRequest', name: 'tfstateRecordEndpoint', priority: 'low' },
  );
  stack.add(
    (next, context) => async (args) => {
      for (let retry = 0; ; retry += 1) {
        try {
          return await next(args);
        } catch (error) {
          const again = limits.answeredRetries;
          if (again && retry < again.times && answeredTryAgain(error)) {
            await new Promise((resolve) => setTimeout(resolve, again.backoffMs * 2 ** retry));
            continue;
          }
          throw unansweredLine(error, service, context.tfstateEndpoint, limits);
        }
      }
    },
    { step: 'initialize', name: 'tfstateNameUnansweredEndpoint' },
  );
  return client;
}

/** The error to throw for a failed request: no answer at all becomes one line naming the service and endpoint. */
function unansweredLine(error: unknown, service: string, endpoint: string | undefined, limits: AwsLimits): unknown {
  if (!unanswered(error)) return error;
  const { name, code, message } = error as { name?: string; code?: string; message?: string };
  const attempts = (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? limits.maxAttempts;
  return new UserError(
    `${service} endpoint ${endpoint ?? '(unresolved)'} did not answer (${code ?? name}: ${(message ?? '').replace(/^@smithy\/\S+ - \[\w+\] /, '').slice(0, 120)}; ${attempts} attempt(s), each bounded to ${limits.requestTimeoutMs / 1000} s): check AWS_ENDPOINT_URL, the network, or whether the service is up`,
  );
}

/**
 * Fails fast, in one line, when the endpoint the stacks will use does not answer: Terraform's S3 backend has
 * retries (max_retries) but no request timeout, so it would wait at "Initializing the backend..." for good.
 */
export async function probeEndpoint(s3: S3Client, bucket: string): Promise<void> {
  // Any answer (404, 403, a credentials error) is Terraform's to report; only silence (a UserError) stops us here.
  await bucketExists(s3, bucket).catch((error: unknown) => {
    if (error instanceof UserError) throw error;
  });
}
