// The floor of `state list` in `npm run bench`: the pages of ListObjectVersions of the same bucket, through the
// SDK with the same client, and nothing else (no lock look-up, no sorting, no output but the count).
import { ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { awsClients, BULK_LIMITS } from '../scripts/lib/aws';

async function main(): Promise<void> {
  const { s3 } = awsClients(process.env.AWS_REGION ?? '', process.env.AWS_ENDPOINT_URL, BULK_LIMITS);
  let entries = 0;
  let markers: { KeyMarker?: string; VersionIdMarker?: string } = {};
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: process.env.TFSTATE_BUCKET, ...markers }));
    entries += (page.Versions?.length ?? 0) + (page.DeleteMarkers?.length ?? 0);
    if (!page.IsTruncated) break;
    markers = { KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker };
  }
  console.log(`${entries} version(s) and delete marker(s)`);
}

main();
