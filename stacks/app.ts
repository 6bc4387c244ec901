import { App, DISABLE_STACK_TRACE_IN_METADATA } from 'cdktf';
import { projectStacks } from '../config/naming';
import type { BackendConfig } from '../config/types';
import { AppStack } from './app-stack';
import { BootstrapStack } from './bootstrap-stack';

/** Every stack of the project, built from one validated config. */
export function buildApp(config: BackendConfig, app: App = new App()): App {
  // The constructs' warnings (Annotations) go to the manifest as they are, without a stack trace of this machine's paths.
  app.node.setContext(DISABLE_STACK_TRACE_IN_METADATA, true);
  for (const stack of projectStacks(config)) {
    if (stack.kind === 'bootstrap') new BootstrapStack(app, stack.name, config);
    else new AppStack(app, stack.name, config, { stateKey: stack.stateKey, environment: stack.environment });
  }
  return app;
}
