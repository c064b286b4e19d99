// The truth of every session, end to end, on the newest 0.2.x SDK (devDependency alias
// `claude-agent-sdk-v0.2`), the oldest line of the supported peer range `>= 0.2.0`.
import * as sdk from 'claude-agent-sdk-v0.2';
import { truthSuite } from './support/truth-suite.mjs';

truthSuite(sdk, '0.2');
