// The one list of stacks: the app builds it, the commands and the export resolve stack names and keys from it.

import { projectStacks, projectStateKeys, stackStateKey } from '../config/naming';
import { UsageError } from '../errors';
import { configFrom, synthAll } from './helpers';

const settings = {
  stateKey: 'app/terraform.tfstate',
  bootstrapStateKey: 'bootstrap/terraform.tfstate',
  environments: ['dev', 'qa'],
  environmentKeyPrefix: 'env',
};

test('bootstrap, app, then one app-<env> per environment, each with its state key', () => {
  expect(projectStacks(settings)).toEqual([
    { name: 'bootstrap', stateKey: 'bootstrap/terraform.tfstate', kind: 'bootstrap' },
    { name: 'app', stateKey: 'app/terraform.tfstate', kind: 'app' },
    { name: 'app-dev', stateKey: 'env/dev/terraform.tfstate', kind: 'app', environment: 'dev' },
    { name: 'app-qa', stateKey: 'env/qa/terraform.tfstate', kind: 'app', environment: 'qa' },
  ]);
  expect(projectStateKeys(settings)).toEqual([
    'app/terraform.tfstate',
    'env/dev/terraform.tfstate',
    'env/qa/terraform.tfstate',
  ]);
});

test('the app synthesizes exactly the listed stacks', () => {
  expect(Object.keys(synthAll({ TFSTATE_ENVIRONMENTS: 'dev,qa' })).sort()).toEqual([
    'app',
    'app-dev',
    'app-qa',
    'bootstrap',
  ]);
});

test('stack names resolve to their keys; another name is one line listing the stacks', () => {
  const config = configFrom({ TFSTATE_ENVIRONMENTS: 'dev' });
  expect(stackStateKey(config, 'bootstrap')).toBe('bootstrap/terraform.tfstate');
  expect(stackStateKey(config, 'app-dev')).toBe('env/dev/terraform.tfstate');
  expect(() => stackStateKey(config, 'app-qa')).toThrow(
    new UsageError('stack "app-qa": not a stack of this project (one of bootstrap, app, app-dev)'),
  );
});
