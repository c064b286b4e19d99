'use strict';
// One tracked run: the native session, the options it is started with (our hooks added after the
// user's, the user's permission callbacks observed) and the SDK's Query object, observed. Shared
// by query(), WarmQuery.query() and SpareProcess.claim(): a run's hooks are made before its
// session exists when the process is started ahead of the prompt (startup, prewarm).

const { NATIVE, recordFault } = require('./client.js');
const exit = require('./exit.js');
const { safeJson } = require('./metadata.js');
const { observe, observeHook } = require('./observe.js');

// The caller ended the iteration (return(), or throw() with no error): not an error of its own. A
// symbol, so that no value a caller can throw is mistaken for it.
const STOPPED = Symbol('stopped');

// The hook events our own hook is registered for: PreToolUse gives each call its real start time;
// the Post hooks its outcome.
const OUR_HOOK_EVENTS = ['PreToolUse', 'PostToolUse', 'PostToolUseFailure'];

/**
 * A run not yet bound to a session. `settings`: the wrapper's (client, agent, user, ...).
 * `session` is set by `begin()`; until then, hooks and callbacks record nothing.
 */
function newRun(settings) {
  return {
    settings,
    client: settings.client,
    session: null,
    hooked: new Set(),
    interrupted: false,
    finished: false,
  };
}

/**
 * Starts the run's session: `options` are the query options it runs with (their `resume`,
 * `forkSession`, `continue`), `prompt` its prompt, `entryPoint` how it was started. Returns false
 * when tracking is off or the session could not be started (the run then goes untracked).
 */
function begin(run, { prompt, options, entryPoint }) {
  const native = run.client[NATIVE];
  if (!native) return false;
  try {
    const o = options && typeof options === 'object' ? options : {};
    run.session = native.startSession({
      agent: run.settings.agent,
      userId: run.settings.userId,
      convoId: run.settings.convoId,
      parentSessionId: run.settings.parentSessionId,
      metadataJson: safeJson(run.settings.extraMetadata),
      input: typeof prompt === 'string' ? prompt : undefined,
      resume: typeof o.resume === 'string' ? o.resume : undefined,
      forkSession: o.forkSession === true,
      continueLatest: o.continue === true,
      entryPoint,
    });
    exit.runBegan(run.client);
    return true;
  } catch {
    recordFault(run.client);
    return false;
  }
}

/** Runs `fn(session)` if the run has a session; tracking never throws into the host. */
function withSession(run, fn) {
  if (!run.session) return;
  try {
    fn(run.session);
  } catch {
    recordFault(run.client);
  }
}

/**
 * `options` with our hooks added after the user's and the user's permission callbacks (their
 * PreToolUse hooks, `canUseTool`) observed, so a refusal keeps the reason they gave. Never throws:
 * on a fault it returns `options` unchanged.
 */
function instrumentOptions(options, run) {
  try {
    const o = options && typeof options === 'object' ? options : {};
    // Called for every tool call, twice: no closure is made per call.
    const onHook = (input) => {
      const session = run.session;
      if (session === null) return Promise.resolve({});
      try {
        // A call whose outcome a Post hook reported needs no copy of its tool_result block.
        if (input && typeof input.tool_use_id === 'string' && input.hook_event_name !== 'PreToolUse') {
          run.hooked.add(input.tool_use_id);
        }
        observeHook(session, input);
      } catch {
        // Tracking never fails a hook.
        recordFault(run.client);
      }
      return Promise.resolve({});
    };
    const userHooks = o.hooks && typeof o.hooks === 'object' ? o.hooks : {};
    const hooks = { ...userHooks };
    for (const event of OUR_HOOK_EVENTS) {
      let mine = Array.isArray(userHooks[event]) ? userHooks[event] : [];
      if (event === 'PreToolUse') mine = mine.map((matcher) => observeMatcher(matcher, run));
      hooks[event] = [...mine, { hooks: [onHook] }];
    }
    const out = { ...o, hooks };
    if (typeof o.canUseTool === 'function') out.canUseTool = observeCanUseTool(o.canUseTool, run);
    return out;
  } catch {
    recordFault(run.client);
    return options;
  }
}

/** A PreToolUse matcher of the user's whose callbacks are observed for refusals. */
function observeMatcher(matcher, run) {
  if (!matcher || !Array.isArray(matcher.hooks)) return matcher;
  return {
    ...matcher,
    hooks: matcher.hooks.map((hook) => (typeof hook === 'function' ? observeHookCallback(hook, run) : hook)),
  };
}

/** The user's hook callback, unchanged in what it returns or throws; a refusal is noted. */
function observeHookCallback(hook, run) {
  return async function observedHook(input, toolUseID, context) {
    const answer = await hook.call(this, input, toolUseID, context);
    noteDecision(run, () => {
      const refusal = hookRefusal(answer);
      if (!refusal) return null;
      return {
        tool_use_id: (input && input.tool_use_id) || toolUseID,
        source: 'hook',
        behavior: 'deny',
        message: refusal.reason,
      };
    });
    return answer;
  };
}

/** What a PreToolUse hook's answer says of a refusal: its reason, or null when it did not refuse. */
function hookRefusal(answer) {
  if (!answer || typeof answer !== 'object') return null;
  const specific = answer.hookSpecificOutput;
  if (specific && specific.permissionDecision === 'deny') return { reason: specific.permissionDecisionReason };
  if (answer.decision === 'block') return { reason: answer.reason };
  return null;
}

/** The user's `canUseTool`, unchanged in what it returns or throws; a refusal is noted. */
function observeCanUseTool(canUseTool, run) {
  return async function observedCanUseTool(toolName, input, context) {
    const answer = await canUseTool.call(this, toolName, input, context);
    noteDecision(run, () => {
      if (!answer || answer.behavior !== 'deny') return null;
      return {
        tool_use_id: context && context.toolUseID,
        source: 'can_use_tool',
        behavior: 'deny',
        message: answer.message,
      };
    });
    return answer;
  };
}

/**
 * Hands the refusal `read()` finds in a callback's answer (null: none) to the session. Reading
 * the user's answer is tracking's work too: nothing it throws reaches the SDK.
 */
function noteDecision(run, read) {
  withSession(run, (session) => {
    const decision = read();
    if (decision && typeof decision.tool_use_id === 'string') session.decision(JSON.stringify(decision));
  });
}

/** The prompt the SDK is given: a streamed one is tapped for its user turns. */
function tappedPrompt(prompt, run) {
  return isAsyncIterable(prompt) ? tapPrompt(prompt, run) : prompt;
}

function isAsyncIterable(v) {
  return v != null && typeof v !== 'string' && typeof v[Symbol.asyncIterator] === 'function';
}

async function* tapPrompt(source, run) {
  for await (const message of source) {
    withSession(run, (session) => {
      const text = textOf(message);
      if (text !== undefined) session.userTurn(text);
    });
    yield message;
  }
}

function textOf(message) {
  const content = message && message.message && message.message.content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const texts = [];
  for (const block of content) if (block && block.type === 'text') texts.push(String(block.text));
  return texts.join('\n');
}

/**
 * Ends the run's session once: `error` is what the iteration ended with (null when it finished,
 * STOPPED when the caller stopped it).
 */
function finish(run, error, options) {
  if (run.finished) return;
  run.finished = true;
  exit.runEnded(run.client);
  withSession(run, (session) => {
    if (error === STOPPED) {
      session.finish(run.interrupted ? 'interrupted' : 'stopped');
    } else if (error == null) {
      session.finish(run.interrupted ? 'interrupted' : 'done');
    } else if (run.interrupted) {
      session.finish('interrupted');
    } else {
      const signal = options && options.abortController && options.abortController.signal;
      const aborted = (error && error.name === 'AbortError') || Boolean(signal && signal.aborted);
      session.finish(aborted ? 'aborted' : 'threw', messageOf(error));
    }
  });
}

/** The wrapped function returned something that is not a run: forget its session. */
function discard(run) {
  if (run.finished) return;
  run.finished = true;
  exit.runEnded(run.client);
  withSession(run, (session) => session.discard());
}

function messageOf(error) {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return 'unknown error';
  }
}

/**
 * Observes what a run's call returned. A Query (an async iterator) is observed; anything else
 * means the function did not start a run, and its session is forgotten.
 */
function observeResult(q, run, options) {
  if (q && typeof q.next === 'function') return instrumentQuery(q, run, options);
  discard(run);
  return q;
}

/**
 * The SDK's Query object, with next/return/throw/interrupt observed. Every other member (setModel,
 * streamInput, supportedCommands, ...) is the real object's, bound to it: the SDK adds control
 * methods often, and each must keep working.
 */
function instrumentQuery(q, run, options) {
  const onError = (err) => {
    finish(run, err, options);
    throw err;
  };
  const onNext = (result) => {
    if (result && result.done) finish(run, null, options);
    else if (result && run.session) observe(run.session, run, result.value);
    return result;
  };
  const next = (...args) => {
    let pending;
    try {
      pending = q.next(...args);
    } catch (err) {
      return onError(err);
    }
    return Promise.resolve(pending).then(onNext, onError);
  };
  const ret = (...args) => {
    finish(run, STOPPED, options);
    return q.return(...args);
  };
  const thr = (...args) => {
    const err = args[0];
    finish(run, err === undefined ? STOPPED : err, options);
    return q.throw(...args);
  };
  const interrupt = (...args) => {
    run.interrupted = true;
    // Tracking never stands in the way of an interrupt.
    withSession(run, (session) => session.interrupting());
    return q.interrupt(...args);
  };
  // Every message passes through `next` here: a switch, not a lookup (see bindProxy).
  const bound = new Map();
  const proxy = new Proxy(q, {
    get(target, prop) {
      switch (prop) {
        case 'next':
          return next;
        case 'return':
          return ret;
        case 'throw':
          return thr;
        case 'interrupt':
          return typeof target.interrupt === 'function' ? interrupt : target.interrupt;
        case Symbol.asyncIterator:
          return () => proxy;
        default:
          return boundMember(target, prop, bound);
      }
    },
  });
  QUERIES.set(proxy, run);
  return proxy;
}

/** The run of each tracked Query (the object the wrapped `query()` returned). */
const QUERIES = new WeakMap();

/** The Sentrial session id of a tracked Query; undefined when it is not tracked (or not yet). */
function getSessionId(query) {
  const run = query !== null && typeof query === 'object' ? QUERIES.get(query) : undefined;
  const id = run && run.session ? run.session.id : undefined;
  return typeof id === 'string' ? id : undefined;
}

/** `target[prop]`, a method bound to `target` (so methods using private fields work). */
function boundMember(target, prop, bound) {
  const value = Reflect.get(target, prop, target);
  if (typeof value !== 'function') return value;
  let fn = bound.get(prop);
  if (!fn || fn.original !== value) {
    fn = Object.assign(value.bind(target), { original: value });
    bound.set(prop, fn);
  }
  return fn;
}

/**
 * A Proxy over `target` (a WarmQuery, a SpareProcess) whose members named in `own` are ours (each
 * a function of the target returning the member) and whose other methods are the target's, bound
 * to it.
 */
function bindProxy(target, own) {
  const bound = new Map();
  return new Proxy(target, {
    get(t, prop) {
      if (Object.hasOwn(own, prop)) return own[prop](t);
      return boundMember(t, prop, bound);
    },
  });
}

module.exports = {
  newRun,
  begin,
  instrumentOptions,
  tappedPrompt,
  finish,
  discard,
  observeResult,
  bindProxy,
  getSessionId,
};
