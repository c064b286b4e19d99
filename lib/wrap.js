'use strict';
// wrapClaudeAgent: the async-iterator pass-through and the hook registration. Everything else
// (reading messages, session state, delivery) happens in the native core, off this thread.

const { SentrialClient, NATIVE, recordFault } = require('./client.js');
const { safeJson } = require('./metadata.js');
const { native } = require('./native.js');

const ORIGINAL = Symbol.for('sentrial.originalQuery');
// The caller ended the iteration (return(), or throw() with no error): not an error of its own. A
// symbol, so that no value a caller can throw is mistaken for it.
const STOPPED = Symbol('stopped');

// The system messages the session stores something of; all others cost one Set lookup.
const SYSTEM_SUBTYPES = new Set(['init', 'permission_denied', 'task_started', 'task_notification']);

// Strings this long (a file a Read returned, a command's output) are handed to the native side as
// they are, one copy, instead of being escaped into JSON here and the JSON copied again: the core
// puts them back in place of their marker on its own thread. Shorter ones are not worth a part.
const PART_MIN_LENGTH = 4096;
// Where lift() looks for such strings: this many levels down, in the first LIFT_MAX_KEYS entries of
// each object and array (tool outputs sit two or three levels into a hook payload).
const LIFT_DEPTH = 3;
const LIFT_MAX_KEYS = 32;
const PART_MARKER = partMarker();
// The frame of a stored tool_result: `{"type":"user","parent_tool_use_id":null,"message":{"content":[`,
// the block's JSON, `]}}`.
const USER_FRAME_HEAD = '{"type":"user","parent_tool_use_id":null,"message":{"content":[';
const USER_FRAME_TAIL = ']}}';

function partMarker() {
  try {
    return native && typeof native.partMarker === 'function' ? native.partMarker() : null;
  } catch {
    return null;
  }
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
  if (!options || typeof options !== 'object') {
    throw new TypeError('wrapClaudeAgent(query, options): options must be an object with a client');
  }
  if (!(options.client instanceof SentrialClient)) {
    throw new TypeError(
      'wrapClaudeAgent(query, options): options.client must be a SentrialClient, got ' + describe(options.client),
    );
  }
  // Wrapping a wrapped query wraps the original: one session per call, not two.
  const original = query[ORIGINAL] || query;
  const settings = {
    client: options.client,
    agent: String(options.defaultAgent ?? 'claude-agent'),
    userId: String(options.userId ?? 'anonymous'),
    convoId: options.convoId == null ? undefined : String(options.convoId),
    extraMetadata: options.extraMetadata,
  };
  const trackedQuery = function trackedQuery(params) {
    const session = startSession(settings, params);
    if (!session) return original.apply(this, arguments);
    // `client`: where faults swallowed below are counted (`stats().faults`).
    const state = { hooked: new Set(), interrupted: false, finished: false, client: settings.client };
    let tracked;
    try {
      tracked = instrumentParams(params, session, state);
    } catch {
      recordFault(state.client);
      tracked = params;
    }
    let q;
    try {
      q = original.call(this, tracked);
    } catch (err) {
      finish(session, state, err, params);
      throw err;
    }
    if (!q || typeof q.next !== 'function') {
      finish(session, state, null, params);
      return q;
    }
    return instrumentQuery(q, session, state, params);
  };
  Object.defineProperty(trackedQuery, ORIGINAL, { value: original });
  return trackedQuery;
}

function describe(v) {
  if (v === null) return 'null';
  if (typeof v === 'object') return v.constructor ? `an instance of ${v.constructor.name}` : 'an object';
  return typeof v;
}

function startSession(settings, params) {
  const client = settings.client[NATIVE];
  if (!client) return null;
  try {
    const prompt = params && params.prompt;
    return client.startSession({
      agent: settings.agent,
      userId: settings.userId,
      convoId: settings.convoId,
      metadataJson: safeJson(settings.extraMetadata),
      input: typeof prompt === 'string' ? prompt : undefined,
    });
  } catch {
    recordFault(settings.client);
    return null;
  }
}

function instrumentParams(params, session, state) {
  if (!params || typeof params !== 'object') return params;
  const options = params.options && typeof params.options === 'object' ? params.options : {};
  const onHook = (input) => {
    try {
      // A call whose outcome a Post hook reported needs no copy of its tool_result block.
      if (input && typeof input.tool_use_id === 'string' && input.hook_event_name !== 'PreToolUse') {
        state.hooked.add(input.tool_use_id);
      }
      const parts = [];
      const slim = lift(input, parts, LIFT_DEPTH);
      if (parts.length === 0) session.hook(JSON.stringify(input));
      else session.hookParts(JSON.stringify(slim), parts);
    } catch {
      // Tracking never fails a hook.
      recordFault(state.client);
    }
    return Promise.resolve({});
  };
  const userHooks = options.hooks && typeof options.hooks === 'object' ? options.hooks : {};
  const hooks = { ...userHooks };
  // PreToolUse gives each call its real start time; the Post hooks its outcome.
  for (const event of ['PreToolUse', 'PostToolUse', 'PostToolUseFailure']) {
    const mine = Array.isArray(userHooks[event]) ? userHooks[event] : [];
    hooks[event] = [...mine, { hooks: [onHook] }];
  }
  const prompt = isAsyncIterable(params.prompt) ? tapPrompt(params.prompt, session, state) : params.prompt;
  return { ...params, prompt, options: { ...options, hooks } };
}

function isAsyncIterable(v) {
  return v != null && typeof v !== 'string' && typeof v[Symbol.asyncIterator] === 'function';
}

async function* tapPrompt(source, session, state) {
  for await (const message of source) {
    try {
      const text = textOf(message);
      if (text !== undefined) session.userTurn(text);
    } catch {
      // Tracking never breaks the prompt stream.
      recordFault(state.client);
    }
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

// Hands one message to the native session: only what it stores, serialized once.
function observe(session, state, message) {
  try {
    switch (message && message.type) {
      case 'assistant':
      case 'result':
        session.message(JSON.stringify(message));
        break;
      case 'stream_event':
        // Only the end of a model call matters (its final output count and stop reason).
        if (message.event && message.event.type === 'message_delta') session.message(JSON.stringify(message));
        break;
      case 'system':
        if (SYSTEM_SUBTYPES.has(message.subtype)) {
          session.message(JSON.stringify(message));
        }
        break;
      case 'user': {
        // Tool results reported by a hook are already recorded; only the others are sent.
        const content = message.message && message.message.content;
        if (!Array.isArray(content)) break;
        for (const block of content) {
          if (!block || block.type !== 'tool_result' || state.hooked.delete(block.tool_use_id)) continue;
          // What is stored is this block in a one-block user message. The frame is written as text
          // around the block's JSON rather than built as objects and serialized with it: the same
          // JSON, without allocating the frame on every result.
          const parent = message.parent_tool_use_id;
          const head = parent == null ? USER_FRAME_HEAD : `{"type":"user","parent_tool_use_id":${JSON.stringify(parent)},"message":{"content":[`;
          const c = block.content;
          if (!(typeof c === 'string' ? c.length >= PART_MIN_LENGTH : Array.isArray(c))) {
            session.message(head + JSON.stringify(block) + USER_FRAME_TAIL);
            continue;
          }
          const parts = [];
          const json = head + JSON.stringify(lift(block, parts, LIFT_DEPTH)) + USER_FRAME_TAIL;
          if (parts.length === 0) session.message(json);
          else session.messageParts(json, parts);
        }
        break;
      }
      default:
        break;
    }
  } catch {
    // A message tracking cannot read is skipped; the caller still gets it unchanged.
    recordFault(state.client);
  }
}

/**
 * `value` with the strings of at least PART_MIN_LENGTH found within `depth` levels replaced by
 * PART_MARKER + their index in `parts` (where they are pushed). Copies only the objects on the way
 * to such a string, and only plain objects and arrays: anything else is serialized as it is.
 */
function lift(value, parts, depth) {
  if (PART_MARKER === null || value === null || typeof value !== 'object') return value;
  return liftIn(value, parts, depth);
}

function liftIn(value, parts, depth) {
  if (depth === 0 || typeof value.toJSON === 'function') return value;
  let out = value;
  let n = 0;
  const mark = parts.length;
  for (const key in value) {
    if (++n > LIFT_MAX_KEYS) break;
    const v = value[key];
    let lifted;
    if (typeof v === 'string') {
      if (v.length < PART_MIN_LENGTH) continue;
      parts.push(v);
      lifted = PART_MARKER + (parts.length - 1);
    } else if (typeof v === 'object' && v !== null) {
      lifted = liftIn(v, parts, depth - 1);
      if (lifted === v) continue;
    } else {
      continue;
    }
    if (out === value) {
      const array = Array.isArray(value);
      const proto = Object.getPrototypeOf(value);
      if (!array && proto !== Object.prototype && proto !== null) {
        parts.length = mark;
        return value;
      }
      out = array ? value.slice() : { ...value };
    }
    out[key] = lifted;
  }
  return out;
}

function finish(session, state, error, params) {
  if (state.finished) return;
  state.finished = true;
  try {
    if (error === STOPPED) {
      session.finish(state.interrupted ? 'interrupted' : 'stopped');
    } else if (error == null) {
      session.finish(state.interrupted ? 'interrupted' : 'done');
    } else if (state.interrupted) {
      session.finish('interrupted');
    } else {
      const signal = params && params.options && params.options.abortController && params.options.abortController.signal;
      const aborted = (error && error.name === 'AbortError') || Boolean(signal && signal.aborted);
      session.finish(aborted ? 'aborted' : 'threw', messageOf(error));
    }
  } catch {
    // Nothing to do: tracking is best effort.
    recordFault(state.client);
  }
}

function messageOf(error) {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return 'unknown error';
  }
}

// The SDK's Query object, with next/return/throw observed and every other member (interrupt,
// setModel, streamInput, ...) served by the real object.
function instrumentQuery(q, session, state, params) {
  const onError = (err) => {
    finish(session, state, err, params);
    throw err;
  };
  const onNext = (result) => {
    if (result && result.done) finish(session, state, null, params);
    else if (result) observe(session, state, result.value);
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
    finish(session, state, STOPPED, params);
    return q.return(...args);
  };
  const thr = (...args) => {
    const err = args[0];
    finish(session, state, err === undefined ? STOPPED : err, params);
    return q.throw(...args);
  };
  const interrupt = (...args) => {
    state.interrupted = true;
    try {
      session.interrupting();
    } catch {
      // Tracking never stands in the way of an interrupt.
      recordFault(state.client);
    }
    return q.interrupt(...args);
  };
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
        default: {
          const value = Reflect.get(target, prop, target);
          if (typeof value !== 'function') return value;
          let fn = bound.get(prop);
          if (!fn || fn.original !== value) {
            fn = Object.assign(value.bind(target), { original: value });
            bound.set(prop, fn);
          }
          return fn;
        }
      }
    },
  });
  return proxy;
}

module.exports = { wrapClaudeAgent };
