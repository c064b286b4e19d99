// End to end against the newest 0.3.x SDK (the devDependency `@anthropic-ai/claude-agent-sdk`).
import { query } from '@anthropic-ai/claude-agent-sdk';
import { readFileSync } from 'node:fs';
import { e2eSuite } from './support/e2e-suite.mjs';

const { version } = JSON.parse(
  readFileSync(new URL('../node_modules/@anthropic-ai/claude-agent-sdk/package.json', import.meta.url), 'utf8'),
);
e2eSuite(query, version);
