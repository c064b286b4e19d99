// The truth of every session, end to end, on the newest 0.3.x SDK (the devDependency).
import * as sdk from '@anthropic-ai/claude-agent-sdk';
import { truthSuite } from './support/truth-suite.mjs';

truthSuite(sdk, '0.3');
