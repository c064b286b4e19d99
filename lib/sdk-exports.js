'use strict';
// Which export of the Claude Agent SDK a function is, so that wrapClaudeAgent(startup) fails at
// wrap time with a pointer to wrapClaudeAgentSDK instead of recording runs that never happen.

// The SDK's bundles: the main one and `/core` (whose query is another function).
const BUNDLES = ['@anthropic-ai/claude-agent-sdk', '@anthropic-ai/claude-agent-sdk/core'];
const loaded = new Map();
const names = new WeakMap();

// `query` as every SDK release so far writes it: a function whose parameter destructures `prompt`
// (`function hrt({prompt:e,options:t}){...}`). No other export of the SDK takes one.
const QUERY_SHAPED = /^(?:async\s+)?function\s*\*?\s*[\w$]*\s*\(\s*\{\s*prompt\b/;

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

/**
 * The name `fn` has among the SDK's exports, or null when it is none of them (a test double, a
 * function of the application's, a copy of the SDK this package cannot see). The SDK's `query`
 * is known by its shape, and a function that takes one parameter as `query` does (a test double,
 * an application's function around `query`) is taken as it is: nothing is loaded for them. A
 * function of another arity (`startup()` and `prewarm()` take an optional one, `tool()` five) is
 * looked up in the SDK's bundles, the main one first. Loading a bundle the application did not
 * load costs about 0.1 s and several MB of heap, once per process, so it is done only then. The
 * answer is kept per function.
 */
function sdkNameOf(fn) {
  if (names.has(fn)) return names.get(fn);
  let found = null;
  if (QUERY_SHAPED.test(sourceHead(fn))) {
    found = 'query';
  } else if (fn.length !== 1) {
    for (const spec of BUNDLES) {
      const mod = bundle(spec);
      if (!mod) continue;
      found = Object.keys(mod).find((name) => mod[name] === fn) ?? null;
      if (found !== null) break;
    }
  }
  names.set(fn, found);
  return found;
}

function sourceHead(fn) {
  try {
    return Function.prototype.toString.call(fn).slice(0, 200);
  } catch {
    return '';
  }
}

module.exports = { sdkNameOf };
