import { withScenario } from './harness';

describe('app before bootstrap', () => {
  test('npm run deploy -- app says, in one line, to deploy bootstrap first', async () => {
    await withScenario('missing bucket', {}, async ({ config, command }) => {
      const result = await command('deploy', ['app']);
      expect(result.code).toBe(1);
      const errors = result.output.split('\n').filter((line) => line.startsWith('error: '));
      expect(errors).toEqual([`error: cdktf deploy app: state bucket "${config.bucket}" does not exist: deploy the bootstrap stack first (cdktf deploy bootstrap, or npm run local against the emulator)`]);
    });
  });
});
