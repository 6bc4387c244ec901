import { GetObjectCommand } from '@aws-sdk/client-s3';
import { digestLockId } from '../../config/naming';
import { LOCKING_MODES } from '../../config/types';
import { objectEncryption } from '../../ops/bucket';
import { lockItems } from '../../ops/lock-table';
import { expectSuccess, unchangedStacks, withScenario } from './harness';

describe.each(LOCKING_MODES)('TFSTATE_LOCKING=%s: bootstrap, then app, through cdktf deploy', (locking) => {
  test('app state lands in the bucket, KMS-encrypted, with the lock digest where DynamoDB locks; a second deploy changes nothing', async () => {
    await withScenario(`locking ${locking}`, { TFSTATE_LOCKING: locking }, async ({ config, aws, cdktf }) => {
      expectSuccess(await cdktf('deploy', ['bootstrap']), 'deploy bootstrap');
      expectSuccess(await cdktf('deploy', ['app']), 'deploy app');

      const state = await aws.s3.send(new GetObjectCommand({ Bucket: config.bucket, Key: config.stateKey }));
      expect(JSON.parse(await state.Body!.transformToString())).toMatchObject({
        version: 4,
        outputs: { vpc_id: expect.anything() },
      });
      expect(await objectEncryption(aws.s3, config.bucket, config.stateKey)).toMatchObject({ sse: 'aws:kms' });

      if (locking === 's3') {
        expect(config.lockTable).toBeUndefined();
      } else {
        const items = await lockItems(aws.dynamodb, config.lockTable!);
        expect(items.get(digestLockId(config.bucket, config.stateKey))?.Digest).toMatch(/^[0-9a-f]{32}$/);
      }

      const again = expectSuccess(await cdktf('deploy', ['bootstrap', 'app']), 'second deploy');
      expect(unchangedStacks(again)).toBe(2);
    });
  });
});
