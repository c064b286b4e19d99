'use strict';
// wrapClaudeAgent and wrapClaudeAgentSDK: every run of the Claude Agent SDK becomes a tracked
// session. Everything else (reading messages, session state, delivery) happens in the native core,
// off this thread.

const { SentrialClient } = require('./client.js');
const { newRun, begin, instrumentOptions, tappedPrompt, finish, discard, observeResult, bindProxy } = require('./run.js');
const { sdkNameOf } = require('./sdk-exports.js');

const ORIGINAL = Symbol.for('sentrial.originalQuery');

/** The wrapper's settings from its options; `who` names the wrapper in errors. */
function settingsOf(options, who) {
  if (!options || typeof options !== 'object') {
    throw new TypeError(`${who}: options must be an object with a client`);
  }
  if (!(options.client instanceof SentrialClient)) {
    throw new TypeError(`${who}: options.client must be a SentrialClient, got ${describe(options.client)}`);
  }
  return {
    client: options.client,
    agent: String(options.defaultAgent ?? 'claude-agent'),
    userId: String(options.userId ?? 'anonymous'),
    convoId: options.convoId == null ? undefined : String(options.convoId),
    extraMetadata: options.extraMetadata,
  };
}

function describe(v) {
  if (v === null) return 'null';
  if (typeof v === 'object') return v.constructor ? `an instance of ${v.constructor.name}` : 'an object';
  return typeof v;
}

/**
 * Wraps `query` from @anthropic-ai/claude-agent-sdk so every call becomes a tracked session.
 * The result has query's exact signature and returns the SDK's own Query object behaviour.
 */
function wrapClaudeAgent(query, options) {
  if (typeof query !== 'function') {
    throw new TypeError(
      'wrapClaudeAgent(query, options): query must be the query function of @anthropic-ai/claude-agent-sdk, got ' +
        describe(query),
    );
  }
  const name = sdkNameOf(query);
  if (name !== null && name !== 'query') {
    throw new TypeError(
      `wrapClaudeAgent(${name}, options): wrapClaudeAgent takes the SDK's query function; ${name}() starts ` +
        'runs in another way. Use wrapClaudeAgentSDK(sdk, options), which tracks query, startup and prewarm: ' +
        "`import * as sdk from '@anthropic-ai/claude-agent-sdk'; const tracked = wrapClaudeAgentSDK(sdk, { client });`",
    );
  }
  return trackQuery(query, settingsOf(options, 'wrapClaudeAgent(query, options)'));
}

/** `query`, tracked: each call is a run. */
function trackQuery(query, settings) {
  // Wrapping a wrapped query wraps the original: one session per call, not two.
  const original = query[ORIGINAL] || query;
  const trackedQuery = function trackedQuery(params) {
    const run = newRun(settings);
    const options = params && typeof params === 'object' ? params.options : undefined;
    if (!begin(run, { prompt: params && params.prompt, options, entryPoint: 'query' })) {
      // biome-ignore lint/complexity/noArguments: the call goes on as it was made (its argument count too), and query's arity of one stays
      return original.apply(this, arguments);
    }
    let tracked = params;
    if (params && typeof params === 'object') {
      tracked = { ...params, prompt: tappedPrompt(params.prompt, run), options: instrumentOptions(options, run) };
    }
    let q;
    try {
      q = original.call(this, tracked);
    } catch (err) {
      finish(run, err, options);
      throw err;
    }
    return observeResult(q, run, options);
  };
  Object.defineProperty(trackedQuery, ORIGINAL, { value: original });
  return trackedQuery;
}

/**
 * Wraps the SDK module (`import * as sdk from '@anthropic-ai/claude-agent-sdk'`, or its `/core`
 * bundle): returns an object like it whose `query`, `startup` and `prewarm` are tracked, with
 * their hooks intact, and whose other exports are the SDK's own.
 */
function wrapClaudeAgentSDK(sdk, options) {
  if (sdk === null || (typeof sdk !== 'object' && typeof sdk !== 'function') || typeof sdk.query !== 'function') {
    throw new TypeError(
      'wrapClaudeAgentSDK(sdk, options): sdk must be the module of @anthropic-ai/claude-agent-sdk ' +
        "(`import * as sdk from '@anthropic-ai/claude-agent-sdk'`), got " +
        describe(sdk),
    );
  }
  const settings = settingsOf(options, 'wrapClaudeAgentSDK(sdk, options)');
  const out = {};
  for (const key of Object.keys(sdk)) out[key] = sdk[key];
  out.query = trackQuery(sdk.query, settings);
  if (typeof sdk.startup === 'function') out.startup = trackStartup(sdk.startup, settings);
  if (typeof sdk.prewarm === 'function') out.prewarm = trackPrewarm(sdk.prewarm, settings);
  return Object.freeze(out);
}

/**
 * `startup`, tracked: the run's hooks are registered when the process starts (they are fixed
 * there); its session begins when `warm.query(prompt)` sends the prompt.
 */
function trackStartup(startup, settings) {
  return async function trackedStartup(params) {
    const run = newRun(settings);
    const options = params && typeof params === 'object' ? params.options : undefined;
    const tracked = params && typeof params === 'object' ? { ...params, options: instrumentOptions(options, run) } : params;
    const warm = await startup.call(this, tracked);
    if (!warm || typeof warm.query !== 'function') return warm;
    return bindProxy(warm, {
      query: (target) =>
        function query(prompt) {
          if (!begin(run, { prompt, options, entryPoint: 'startup' })) return target.query(prompt);
          let q;
          try {
            q = target.query(tappedPrompt(prompt, run));
          } catch (err) {
            // Refused before anything was sent (a second query(), a closed WarmQuery): no run.
            discard(run);
            throw err;
          }
          return observeResult(q, run, options);
        },
    });
  };
}

/**
 * `prewarm`, tracked: the run's hooks are registered when the spare process starts; its session
 * begins when `spare.claim({ prompt, options })` binds it to a folder and sends the prompt.
 */
function trackPrewarm(prewarm, settings) {
  return async function trackedPrewarm(params) {
    const run = newRun(settings);
    const options = params && typeof params === 'object' ? params.options : undefined;
    const tracked = params && typeof params === 'object' ? { ...params, options: instrumentOptions(options, run) } : params;
    const spare = await prewarm.call(this, tracked);
    if (!spare || typeof spare.claim !== 'function') return spare;
    return bindProxy(spare, {
      claim: (target) =>
        function claim(claimParams) {
          const claimOptions = claimParams && typeof claimParams === 'object' ? claimParams.options : undefined;
          const prompt = claimParams && claimParams.prompt;
          // The run's options are the spare's, with what the claim sets on top.
          const runOptions = { ...(options || {}), ...(claimOptions || {}) };
          if (!begin(run, { prompt, options: runOptions, entryPoint: 'prewarm' })) return target.claim(claimParams);
          let q;
          try {
            q = target.claim({ ...claimParams, prompt: tappedPrompt(prompt, run) });
          } catch (err) {
            // Refused before anything was sent (a second claim, a closed spare): no run.
            discard(run);
            throw err;
          }
          return observeResult(q, run, runOptions);
        },
    });
  };
}

module.exports = { wrapClaudeAgent, wrapClaudeAgentSDK };
