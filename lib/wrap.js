'use strict';
// wrapClaudeAgent and wrapClaudeAgentSDK: every run of the Claude Agent SDK becomes a tracked
// session. Everything else (reading messages, session state, delivery) happens in the native core,
// off this thread.

const { SentrialClient } = require('./client.js');
const {
  newRun,
  begin,
  instrumentOptions,
  tappedPrompt,
  finish,
  discard,
  observeResult,
  bindProxy,
} = require('./run.js');
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
    parentSessionId: options.parentSessionId == null ? undefined : String(options.parentSessionId),
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
    const { run, options, tracked } = prepared(params, settings);
    const warm = await startup.call(this, tracked);
    if (!warm || typeof warm.query !== 'function') return warm;
    return bindProxy(warm, {
      query: (target) =>
        function query(prompt) {
          return sendPrompt(
            run,
            { prompt, options, entryPoint: 'startup' },
            (tapped) => target.query(tapped),
            () => target.query(prompt),
          );
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
    const { run, options, tracked } = prepared(params, settings);
    const spare = await prewarm.call(this, tracked);
    if (!spare || typeof spare.claim !== 'function') return spare;
    return bindProxy(spare, {
      claim: (target) =>
        function claim(claimParams) {
          const claimOptions = claimParams && typeof claimParams === 'object' ? claimParams.options : undefined;
          // The run's options are the spare's, with what the claim sets on top.
          const runOptions = { ...(options || {}), ...(claimOptions || {}) };
          return sendPrompt(
            run,
            { prompt: claimParams && claimParams.prompt, options: runOptions, entryPoint: 'prewarm' },
            (tapped) => target.claim({ ...claimParams, prompt: tapped }),
            () => target.claim(claimParams),
          );
        },
    });
  };
}

/**
 * A run of a process started ahead of its prompt (startup, prewarm): the run, the options it was
 * started with, and the parameters the SDK is given instead (our hooks added).
 */
function prepared(params, settings) {
  const run = newRun(settings);
  const given = params && typeof params === 'object';
  const options = given ? params.options : undefined;
  return { run, options, tracked: given ? { ...params, options: instrumentOptions(options, run) } : params };
}

/**
 * Begins `run`'s session (`start`: its prompt, options and entry point), then sends the prompt
 * tapped with `send(tapped)`; `sendUntracked()` when the session could not begin. What the SDK
 * refuses before anything was sent (a second query() or claim, a closed WarmQuery or spare)
 * leaves no run.
 */
function sendPrompt(run, start, send, sendUntracked) {
  if (!begin(run, start)) return sendUntracked();
  let q;
  try {
    q = send(tappedPrompt(start.prompt, run));
  } catch (err) {
    discard(run);
    throw err;
  }
  return observeResult(q, run, start.options);
}

module.exports = { wrapClaudeAgent, wrapClaudeAgentSDK };
