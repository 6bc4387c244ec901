import { Testing } from 'cdktf';
// Brings the type declarations of cdktf's jest matchers (toHaveResourceWithProperties, ...) into scope.
import 'cdktf/lib/testing/adapters/jest';

Testing.setupJest();
