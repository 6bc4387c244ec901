// What every state operation shares: the clients it is given (AWS, the emulator, or a test's wrapper), where a state
// lives, and the error a user can act on.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { UserError } from '../errors';
import { printable } from './printable';

export interface StateClients {
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
}

/** Where a state object lives. */
export interface StateRef {
  readonly bucket: string;
  readonly key: string;
}

/** s3://bucket/key, the key escaped: anyone who may write to the bucket names its keys. */
export const stateUrl = (ref: StateRef) => `s3://${ref.bucket}/${printable(ref.key)}`;

/** A failure the user can act on (a held lock, an unknown version): printed as one line. */
export class StateOperationError extends UserError {}
