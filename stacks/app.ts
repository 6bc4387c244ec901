import { App } from 'cdktf';
import { appStackName, environmentStateKey } from '../config/naming';
import { BackendConfig } from '../config/types';
import { AppStack } from './app-stack';
import { BootstrapStack } from './bootstrap-stack';

/** Every stack of the project, built from one validated config. */
export function buildApp(config: BackendConfig, app: App = new App()): App {
  new BootstrapStack(app, 'bootstrap', config);
  new AppStack(app, appStackName(), config, { stateKey: config.stateKey });
  for (const environment of config.environments) {
    new AppStack(app, appStackName(environment), config, {
      stateKey: environmentStateKey(config.environmentKeyPrefix, environment),
      environment,
    });
  }
  return app;
}
