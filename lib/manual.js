'use strict';
// The manual session API of SentrialClient (createSession, trackToolCall, trackDecision,
// trackError, trackLLMCall, completeSession, begin): for agents on any framework. This file checks
// the caller's arguments and hands each call to the native core as JSON; the core turns them into
// the same events as a wrapped run's, off this thread.
//
// A misuse (no sessionId, a finished session, a wrong type) throws a TypeError at the call when
// the client was made with `failSilently: false`; otherwise it is counted (`stats().misuses`) and
// warned about once. With tracking off (no key) every call does nothing.

const { safeJson } = require('./metadata.js');
const { warnOnce } = require('./warn.js');

/** Most manual sessions one client keeps open; past it, createSession is a misuse. */
const MAX_OPEN = 50000;
/** How many completed session ids are remembered, to say "already completed" rather than "unknown". */
const REMEMBERED_DONE = 10000;

/** The manual sessions of one client. */
class ManualSessions {
  /**
   * `native()` gives the native client (null when tracking is off); `failSilently` says whether a
   * misuse is counted instead of thrown; `onFault` counts an error inside tracking.
   */
  constructor(native, failSilently, onFault) {
    this.native = native;
    this.failSilently = failSilently;
    this.onFault = onFault;
    this.open = new Map();
    this.done = new Set();
    this.misuses = 0;
  }

  /** A new session's id, or null (tracking off, or a misuse when failing silently). */
  create(params, who = 'createSession') {
    const native = this.native();
    if (!native) return null;
    const p = this.object(params, who);
    if (!p) return null;
    const ok =
      this.string(p.name, `${who}: name`, true) &&
      this.string(p.agentName, `${who}: agentName`) &&
      this.string(p.userId, `${who}: userId`) &&
      this.string(p.convoId, `${who}: convoId`, true) &&
      this.string(p.parentSessionId, `${who}: parentSessionId`, true) &&
      this.string(p.input, `${who}: input`, true) &&
      this.plainObject(p.metadata, `${who}: metadata`);
    if (!ok) return null;
    if (this.open.size >= MAX_OPEN) {
      this.misuse(`${who}: ${MAX_OPEN} sessions are open; end each with completeSession`);
      return null;
    }
    const json = safeJson({
      name: p.name,
      agentName: p.agentName,
      userId: p.userId,
      convoId: p.convoId,
      parentSessionId: p.parentSessionId,
      input: p.input,
      metadata: p.metadata,
    });
    const session = this.guard(() => native.createSession(json));
    if (!session) return null;
    const id = session.id;
    this.open.set(id, session);
    return id;
  }

  /** `client[method](params)` for each `track*` method: hands its step to the session `params.sessionId` names. */
  track(method, params) {
    if (!this.native()) return;
    const [kind, check, fields] = STEPS[method];
    const p = this.object(params, method);
    if (!p || !check(this, p, method)) return;
    const session = this.session(p.sessionId, method);
    if (!session) return;
    const json = safeJson({ kind, ...fields(p) });
    this.guard(() => session.step(json));
  }

  /** Ends the session `params.sessionId` names. */
  complete(params, who = 'completeSession') {
    if (!this.native()) return;
    const p = this.object(params, who);
    if (!p || !this.endFields(p, who)) return;
    const session = this.session(p.sessionId, who);
    if (!session) return;
    this.open.delete(p.sessionId);
    this.remember(p.sessionId);
    const json = safeJson({
      success: p.success !== false,
      failureReason: text(p.failureReason),
      output: text(p.output),
      userInput: text(p.userInput),
      estimatedCost: p.estimatedCost,
      promptTokens: p.promptTokens,
      completionTokens: p.completionTokens,
      customMetrics: p.customMetrics,
    });
    this.guard(() => session.complete(json));
  }

  /** Checks `completeSession`'s (and `finish`'s) fields. */
  endFields(p, who) {
    return (
      this.type(p.success, 'boolean', `${who}: success`) &&
      this.string(p.failureReason, `${who}: failureReason`, true) &&
      this.count(p.estimatedCost, `${who}: estimatedCost`) &&
      this.count(p.promptTokens, `${who}: promptTokens`) &&
      this.count(p.completionTokens, `${who}: completionTokens`) &&
      this.metrics(p.customMetrics, `${who}: customMetrics`)
    );
  }

  session(id, who) {
    if (typeof id !== 'string' || id === '') {
      return this.misuse(`${who}: sessionId must be the id createSession gave, got ${describe(id)}`);
    }
    const session = this.open.get(id);
    if (session) return session;
    return this.misuse(
      this.done.has(id)
        ? `${who}: session ${id} was already completed`
        : `${who}: session ${id} is not an open session of this client`,
    );
  }

  remember(id) {
    this.done.add(id);
    if (this.done.size > REMEMBERED_DONE) this.done.delete(this.done.values().next().value);
  }

  object(v, who) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v;
    return this.misuse(`${who}: expected an object of parameters, got ${describe(v)}`);
  }

  string(v, what, optional = false) {
    if (typeof v === 'string' && (optional || v !== '')) return true;
    if (optional && v == null) return true;
    return this.misuse(`${what} must be ${optional ? 'a string' : 'a non-empty string'}, got ${describe(v)}`);
  }

  type(v, type, what) {
    if (v == null || typeof v === type) return true;
    return this.misuse(`${what} must be a ${type}, got ${describe(v)}`);
  }

  count(v, what) {
    if (v == null || (typeof v === 'number' && Number.isFinite(v) && v >= 0)) return true;
    return this.misuse(`${what} must be a non-negative number, got ${describe(v)}`);
  }

  plainObject(v, what) {
    if (v == null || (typeof v === 'object' && !Array.isArray(v))) return true;
    return this.misuse(`${what} must be an object, got ${describe(v)}`);
  }

  metrics(v, what) {
    if (!this.plainObject(v, what)) return false;
    for (const [name, value] of Object.entries(v ?? {})) {
      if (name === '' || name.length > 100) return this.misuse(`${what}: a name must be 1 to 100 characters`);
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        return this.misuse(`${what}.${name} must be a finite number, got ${describe(value)}`);
      }
    }
    return true;
  }

  /** Throws, or counts and warns once; always returns false (for `&&` chains). */
  misuse(message) {
    if (!this.failSilently) throw new TypeError(`SentrialClient.${message}`);
    this.misuses += 1;
    warnOnce('SENTRIAL_MANUAL_MISUSE', `@sentrial/sdk: a manual session call was ignored: ${message}`);
    return false;
  }

  guard(fn) {
    try {
      return fn();
    } catch {
      this.onFault();
      return null;
    }
  }
}

/** The step of each `track*` method: its kind, what it checks, what it sends. */
const STEPS = {
  trackToolCall: [
    'tool_call',
    (m, p, who) =>
      m.string(p.toolName, `${who}: toolName`) &&
      m.string(p.reasoning, `${who}: reasoning`, true) &&
      m.count(p.durationMs, `${who}: durationMs`) &&
      m.string(p.toolUseId, `${who}: toolUseId`, true),
    (p) => ({
      toolName: p.toolName,
      toolInput: p.toolInput,
      toolOutput: p.toolOutput,
      toolError: p.toolError == null ? undefined : errorText(p.toolError),
      reasoning: p.reasoning,
      durationMs: p.durationMs,
      toolUseId: p.toolUseId,
    }),
  ],
  trackDecision: [
    'decision',
    (m, p, who) =>
      m.string(p.reasoning, `${who}: reasoning`) &&
      (p.alternatives == null ||
        (Array.isArray(p.alternatives) && p.alternatives.every((a) => typeof a === 'string')) ||
        m.misuse(`${who}: alternatives must be an array of strings, got ${describe(p.alternatives)}`)) &&
      m.string(p.chosen, `${who}: chosen`, true),
    (p) => ({ reasoning: p.reasoning, alternatives: p.alternatives, chosen: p.chosen }),
  ],
  trackError: [
    'error',
    (m, p, who) =>
      (p.error != null || m.misuse(`${who}: error must be an Error or a message, got ${describe(p.error)}`)) &&
      m.plainObject(p.context, `${who}: context`),
    (p) => ({
      message: errorText(p.error),
      errorType: p.error instanceof Error ? p.error.name : undefined,
      stack: p.error instanceof Error && typeof p.error.stack === 'string' ? p.error.stack : undefined,
      context: p.context,
    }),
  ],
  trackLLMCall: [
    'llm_call',
    (m, p, who) =>
      m.string(p.model, `${who}: model`) &&
      ['promptTokens', 'completionTokens', 'cacheReadTokens', 'cacheCreationTokens', 'costUsd', 'durationMs'].every(
        (f) => m.count(p[f], `${who}: ${f}`),
      ),
    (p) => ({
      model: p.model,
      promptTokens: p.promptTokens,
      completionTokens: p.completionTokens,
      cacheReadTokens: p.cacheReadTokens,
      cacheCreationTokens: p.cacheCreationTokens,
      costUsd: p.costUsd,
      input: text(p.input),
      output: text(p.output),
      durationMs: p.durationMs,
    }),
  ],
};

/** A run of `client.begin()`: the session's id and its steps, the id filled in. */
function beginRun(manual, params) {
  if (!manual.native() || !manual.object(params, 'begin') || !manual.string(params.event, 'begin: event')) {
    return IDLE_RUN;
  }
  const { event, userId, input, convoId, metadata, parentSessionId } = params;
  const fields = { agentName: event, userId, input, convoId, metadata, parentSessionId };
  const sessionId = manual.create(fields, 'begin');
  if (sessionId === null) return IDLE_RUN;
  const run = { sessionId, finish: (end) => completeOf(manual, { ...(end ?? {}), sessionId }, 'finish') };
  for (const method of TRACK_METHODS) run[method] = (step) => manual.track(method, { ...(step ?? {}), sessionId });
  return Object.freeze(run);
}

/** The `track*` methods, by name. */
const TRACK_METHODS = Object.keys(STEPS);

/** The run `begin()` gives when there is no session (tracking off, or a misuse ignored). */
const IDLE_RUN = Object.freeze({
  sessionId: null,
  finish: () => Promise.resolve(),
  ...Object.fromEntries(TRACK_METHODS.map((method) => [method, () => {}])),
});

/** `completeSession`: resolves once the end is queued (never waits on the network). */
function completeOf(manual, params, who) {
  manual.complete(params, who);
  return Promise.resolve();
}

/** What a value that is not a string says as text (an Error's message, else its JSON). */
function errorText(v) {
  if (typeof v === 'string') return v;
  if (v instanceof Error) return v.message || v.name;
  return safeJson(v) ?? String(v);
}

function text(v) {
  if (v == null) return undefined;
  return typeof v === 'string' ? v : (safeJson(v) ?? String(v));
}

function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v === '' ? 'an empty string' : 'a string';
  return typeof v === 'object' ? 'an object' : typeof v;
}

module.exports = { ManualSessions, TRACK_METHODS, beginRun, completeOf };
