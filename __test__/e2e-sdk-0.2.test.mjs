// End to end against the newest 0.2.x SDK (devDependency alias `claude-agent-sdk-v0.2`), the oldest
// line of the supported peer range `>= 0.2.0`.
import { query } from 'claude-agent-sdk-v0.2';
import { readFileSync } from 'node:fs';
import { e2eSuite } from './support/e2e-suite.mjs';

const { version } = JSON.parse(
  readFileSync(new URL('../node_modules/claude-agent-sdk-v0.2/package.json', import.meta.url), 'utf8'),
);
e2eSuite(query, version);
