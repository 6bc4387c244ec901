// Loaded before every test file (jest.config.js).
import { types } from 'node:util';

// cdktf records the whole call stack of every token it makes (Lazy, Intrinsic), on a plain object, for an error
// message a passing test never shows; jest maps each frame of it through the source maps, which was a third of
// the time of a synth. Those stacks stay as V8 writes them; an error's stack is still mapped to the sources.
const mapped = Error.prepareStackTrace;
Error.prepareStackTrace = (error, frames) =>
  types.isNativeError(error) ? mapped?.(error, frames) : `${error}\n    at ${frames.join('\n    at ')}`;
