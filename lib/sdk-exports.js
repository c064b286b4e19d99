'use strict';
// Which export of the Claude Agent SDK a function is, so that wrapClaudeAgent(startup) fails at
// wrap time with a pointer to wrapClaudeAgentSDK instead of recording runs that never happen.

// The SDK's bundles: the main one and `/core` (whose query is another function).
const BUNDLES = ['@anthropic-ai/claude-agent-sdk', '@anthropic-ai/claude-agent-sdk/core'];
const loaded = new Map();

function bundle(spec) {
  if (!loaded.has(spec)) {
    let mod = null;
    try {
      // An ES module: Node >= 20.19 can require it (the namespace an `import` already loaded);
      // older ones throw, and then nothing is checked here (the TypeScript types still are).
      mod = require(spec);
    } catch {
      mod = null;
    }
    loaded.set(spec, mod);
  }
  return loaded.get(spec);
}

const names = new WeakMap();

/**
 * The name `fn` has among the SDK's exports, or null when it is none of them (a test double, a
 * copy of the SDK this package cannot see). The main bundle is looked in first, as it is what
 * most applications import (already loaded, so this costs a lookup); the answer is kept per
 * function.
 */
function sdkNameOf(fn) {
  if (names.has(fn)) return names.get(fn);
  let found = null;
  for (const spec of BUNDLES) {
    const mod = bundle(spec);
    if (!mod) continue;
    found = Object.keys(mod).find((name) => mod[name] === fn) ?? null;
    if (found !== null) break;
  }
  names.set(fn, found);
  return found;
}

module.exports = { sdkNameOf };
