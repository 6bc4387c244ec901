import { App } from 'cdktf';
import { projectStacks } from '../config/naming';
import { BackendConfig } from '../config/types';
import { AppStack } from './app-stack';
import { BootstrapStack } from './bootstrap-stack';

/** Every stack of the project, built from one validated config. */
export function buildApp(config: BackendConfig, app: App = new App()): App {
  for (const stack of projectStacks(config)) {
    if (stack.kind === 'bootstrap') new BootstrapStack(app, stack.name, config);
    else new AppStack(app, stack.name, config, { stateKey: stack.stateKey, environment: stack.environment });
  }
  return app;
}
