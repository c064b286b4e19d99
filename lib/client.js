'use strict';
const { native, loadError, partMarker } = require('./native.js');
const { warnOnce } = require('./warn.js');
const exit = require('./exit.js');
const { version } = require('../package.json');
const { redactSettings, withRedactFn } = require('./redact.js');
const { otlpSettings } = require('./otlp.js');
const { ManualSessions, TRACK_METHODS, beginRun, completeOf } = require('./manual.js');

const NATIVE = Symbol.for('sentrial.native');
const FAULTS = Symbol.for('sentrial.faults');
const MANUAL = Symbol('sentrial.manual');
const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_EXIT_TIMEOUT_MS = 2000;
const MAX_TIMEOUT_MS = 10 * 60 * 1000;

const EMPTY_STATS = Object.freeze({
  produced: 0,
  delivered: 0,
  pending: 0,
  dropped: 0,
  droppedQueueFull: 0,
  droppedRejected: 0,
  droppedUnauthorized: 0,
  droppedTooLarge: 0,
  droppedShutdown: 0,
  retried: 0,
  inputs: 0,
  recovered: 0,
  spoolErrors: 0,
  inputsIgnored: 0,
  inputsOverload: 0,
  badInputs: 0,
  faults: 0,
  misuses: 0,
});

function positiveInt(value, name) {
  if (value === undefined || value === null) return undefined;
  if (!Number.isFinite(value) || value < 0) {
    throw new TypeError(`SentrialClient: ${name} must be a non-negative number, got ${String(value)}`);
  }
  return Math.min(Math.floor(value), 0xffffffff);
}

function timeoutOf(options) {
  const ms = options && options.timeoutMs;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return DEFAULT_TIMEOUT_MS;
  return Math.min(Math.floor(ms), MAX_TIMEOUT_MS);
}

/** Delivers tracked sessions to a Sentrial collector and/or an OTLP endpoint. */
class SentrialClient {
  constructor(options = {}) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError('SentrialClient: options must be an object');
    }
    const apiKey = options.apiKey ?? process.env.SENTRIAL_API_KEY ?? '';
    const apiUrl = options.apiUrl ?? (process.env.SENTRIAL_API_URL || undefined);
    const settings = {
      flushIntervalMs: positiveInt(options.flushIntervalMs, 'flushIntervalMs'),
      maxQueueEvents: positiveInt(options.maxQueueEvents, 'maxQueueEvents'),
      requestTimeoutMs: positiveInt(options.requestTimeoutMs, 'requestTimeoutMs'),
      spoolDir: options.spoolDir ?? (process.env.SENTRIAL_SPOOL_DIR || undefined),
    };
    if (settings.spoolDir !== undefined && typeof settings.spoolDir !== 'string') {
      throw new TypeError('SentrialClient: spoolDir must be a string path');
    }
    const redact = redactSettings(options);
    const otlp = otlpSettings(options.otlp);
    if (options.failSilently !== undefined && typeof options.failSilently !== 'boolean') {
      throw new TypeError('SentrialClient: failSilently must be a boolean');
    }
    this[NATIVE] = null;
    this[FAULTS] = 0;
    this[MANUAL] = new ManualSessions(
      () => this[NATIVE],
      options.failSilently !== false,
      () => recordFault(this),
    );
    /** Longest wait for delivery when the process exits (0: no delivery at exit). */
    this.exitTimeoutMs = positiveInt(options.exitTimeoutMs, 'exitTimeoutMs') ?? DEFAULT_EXIT_TIMEOUT_MS;
    Object.defineProperty(this, 'exitState', {
      // flushedAt: the `inputs` count the last exit flush covered.
      value: { flushedAt: 0, done: false, ref: new WeakRef(this) },
    });
    if (!native) {
      warnOnce('SENTRIAL_NO_BINARY', loadError.message);
      return;
    }
    const hasKey = typeof apiKey === 'string' && apiKey !== '';
    // Without a key, sessions can still go to an OTLP endpoint alone.
    if (!hasKey && !otlp) {
      warnOnce(
        'SENTRIAL_NO_KEY',
        '@sentrial/sdk: no API key (pass apiKey or set SENTRIAL_API_KEY); tracking is off and agents run as usual.',
      );
      return;
    }
    try {
      const client = new native.NativeClient({
        apiKey: hasKey ? apiKey : '',
        apiUrl,
        sdkVersion: version,
        ...settings,
        ...redact.native,
        otlp,
      });
      this[NATIVE] = redact.fn ? withRedactFn(client, redact.fn, () => recordFault(this), partMarker) : client;
      if (this.exitTimeoutMs > 0) exit.register(this);
    } catch (err) {
      // A redact pattern the core cannot compile is a programming error, like a wrong option.
      if (err && err.code === 'InvalidArg') throw new TypeError(`SentrialClient: ${err.message}`);
      warnOnce('SENTRIAL_BAD_CONFIG', `@sentrial/sdk: tracking is off: ${err && err.message}`);
    }
  }

  /** True when sessions are recorded and delivered. */
  get enabled() {
    return this[NATIVE] !== null;
  }

  /**
   * Scores a run: `{ sessionId | claudeSessionId, name, value, comment? }`, `value` a number, a
   * boolean or a label. Fire-and-forget through the same delivery as sessions (queued, retried,
   * counted in `stats()`); never throws. A score the collector would refuse is not sent: it is
   * counted in `stats().badInputs` and a warning says why (once per process).
   */
  score(score) {
    const client = this[NATIVE];
    if (!client) return;
    try {
      const problem = client.score(nativeScore(score));
      if (problem) warnOnce('SENTRIAL_BAD_SCORE', `@sentrial/sdk: a score was not sent: ${problem}`);
    } catch {
      recordFault(this);
    }
  }

  /**
   * Starts a manual session (an agent on any framework): `{ name, agentName, userId, convoId?,
   * parentSessionId?, metadata?, input? }`. Resolves at once to its id (made locally), or to null
   * when tracking is off or, with `failSilently`, the parameters are unusable.
   */
  createSession(params) {
    return Promise.resolve(this[MANUAL].create(params));
  }

  /**
   * Ends a manual session: `{ sessionId, success = true, failureReason?, output?, userInput?,
   * estimatedCost?, promptTokens?, completionTokens?, customMetrics? }`. Without a cost, the
   * session's is the sum of its model calls'. Resolves once queued.
   */
  completeSession(params) {
    return completeOf(this[MANUAL], params, 'completeSession');
  }

  /**
   * The simple pattern: `const run = client.begin({ userId, event, input?, convoId?, metadata? })`,
   * then `run.trackToolCall(...)`, ..., `await run.finish({ output?, success?, ... })`.
   */
  begin(params) {
    return beginRun(this[MANUAL], params);
  }

  /**
   * Resolves once everything queued so far is delivered (or dropped), or when `timeoutMs`
   * (default 5000) has passed. Never rejects, never hangs.
   */
  flush(options) {
    return settle(this[NATIVE], 'flush', timeoutOf(options)).then((report) => {
      exit.flushSettled(this, report);
      return report;
    });
  }

  /** Flushes, then stops tracking with this client. Never rejects. */
  shutdown(options) {
    exit.unregister(this);
    return settle(this[NATIVE], 'shutdown', timeoutOf(options));
  }

  /** @internal Blocking flush at process exit, once, bounded by `exitTimeoutMs`. */
  flushSyncForExit() {
    const client = this[NATIVE];
    if (!client || this.exitState.done) return;
    this.exitState.done = true;
    try {
      // Skip when a beforeExit flush already covered these same inputs (and waited its bound).
      if (client.stats().inputs !== this.exitState.flushedAt) client.flushSync(this.exitTimeoutMs);
    } catch {
      // Exit goes on whatever happens here.
    }
  }

  /** Delivery counters: produced === delivered + pending + dropped. */
  stats() {
    const own = { faults: this[FAULTS], misuses: this[MANUAL].misuses };
    if (!this[NATIVE]) return { ...EMPTY_STATS, ...own };
    try {
      return { ...this[NATIVE].stats(), ...own };
    } catch {
      return { ...EMPTY_STATS, ...own };
    }
  }
}

// trackToolCall, trackDecision, trackError, trackLLMCall: each returns at once (fire and forget),
// in order with the rest of its session.
for (const method of TRACK_METHODS) {
  Object.defineProperty(SentrialClient.prototype, method, {
    value: function track(params) {
      this[MANUAL].track(method, params);
    },
    writable: true,
    configurable: true,
  });
}

/** The native form of `client.score`'s argument: types only; the core checks the rest. */
function nativeScore(score) {
  const s = score !== null && typeof score === 'object' ? score : {};
  const str = (v) => (typeof v === 'string' ? v : undefined);
  const v = s.value;
  return {
    sessionId: str(s.sessionId),
    claudeSessionId: str(s.claudeSessionId),
    name: str(s.name) ?? '',
    number: typeof v === 'number' ? v : undefined,
    flag: typeof v === 'boolean' ? v : undefined,
    label: str(v),
    comment: str(s.comment),
  };
}

/** Counts an error inside tracking that was swallowed (shown as `stats().faults`). */
function recordFault(client) {
  if (client instanceof SentrialClient) client[FAULTS] += 1;
}

function settle(client, method, timeoutMs) {
  const idle = { delivered: 0, pending: 0, timedOut: false };
  if (!client) return Promise.resolve(idle);
  let promise;
  try {
    promise = client[method](timeoutMs);
  } catch {
    return Promise.resolve(idle);
  }
  // The native side answers by its deadline; this timer only guards against a worker that died.
  let timer;
  const guard = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ ...idle, pending: safePending(client), timedOut: true }), timeoutMs + 1000);
  });
  return Promise.race([promise, guard])
    .catch(() => ({ ...idle, pending: safePending(client), timedOut: true }))
    .finally(() => clearTimeout(timer));
}

function safePending(client) {
  try {
    return client.stats().pending;
  } catch {
    return 0;
  }
}

module.exports = { SentrialClient, NATIVE, recordFault };
