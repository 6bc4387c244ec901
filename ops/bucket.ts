// The state bucket as a whole: whether it exists, and how an object in it is encrypted.
import { HeadBucketCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { httpStatus } from '../errors';

/** True when the bucket exists, false on S3's 404; any other failure (denied, no answer) is thrown on. */
export async function bucketExists(s3: S3Client, bucket: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (error) {
    const status = httpStatus(error);
    if (status === 404) return false;
    throw error;
  }
}

/** How an object is encrypted at rest, as S3 reports it. */
export async function objectEncryption(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<{ sse?: string; kmsKeyId?: string }> {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return { sse: head.ServerSideEncryption, kmsKeyId: head.SSEKMSKeyId };
}
