'use strict';
// The `redact` and `privacy` options: checked here (a wrong option is a TypeError at construction),
// then handed to the native core, which applies the built-in and extra patterns, the key-name
// rules, the privacy mode and the text cap to every event before it is queued (docs/security.md).
//
// A user `redact.fn` must run on the JS thread, so it runs here, before the text reaches the core:
// the native session is wrapped so every string it is given goes through the function first. The
// cost (a parse and a stringify of each message) is paid only by those who pass a function; the
// core never calls back into JS, so nothing can keep the process alive or run during an exit flush.

const { enumValues } = require('./native.js');

/** The privacy modes, as the core defines them (null without the addon: nothing is checked then). */
const PRIVACY_MODES = enumValues('PrivacyMode');

/** The kinds of `redact.pii` (`emails`, `phones`, ...) and its modes, as the binding lists them. */
const PII_KINDS = enumValues('PiiKind');
const PII_MODES = enumValues('PiiMode');

/** The fields of a `redact.pii` object that are not kinds. */
const PII_SETTINGS = ['mode', 'hashKey'];

/** Marker left where the user's function threw or returned something that is not a string. */
const FAILED_MARKER = '[REDACTED:redact_function_failed]';

/** Checks the options; returns what the native client takes, and the user's function if any. */
function redactSettings(options) {
  const privacy = options.privacy ?? undefined;
  if (privacy !== undefined && PRIVACY_MODES !== null && !PRIVACY_MODES.includes(privacy)) {
    throw new TypeError(`SentrialClient: privacy must be one of ${PRIVACY_MODES.join(', ')}, got ${String(privacy)}`);
  }
  let redact = options.redact ?? {};
  if (typeof redact === 'boolean') redact = { enabled: redact };
  if (typeof redact !== 'object') {
    throw new TypeError('SentrialClient: redact must be an object { enabled?, patterns?, fn?, pii? } or a boolean');
  }
  if (redact.enabled !== undefined && typeof redact.enabled !== 'boolean') {
    throw new TypeError('SentrialClient: redact.enabled must be a boolean');
  }
  if (redact.fn !== undefined && typeof redact.fn !== 'function') {
    throw new TypeError('SentrialClient: redact.fn must be a function (text: string) => string');
  }
  const given = redact.patterns ?? [];
  if (!Array.isArray(given)) throw new TypeError('SentrialClient: redact.patterns must be an array');
  const patterns = given.map(patternOf);
  const pii = piiSettings(redact.pii);
  return {
    native: { redact: { enabled: redact.enabled ?? true, patterns, pii }, privacy },
    fn: redact.fn,
  };
}

/**
 * `redact.pii` as the native `{ kinds, mode, hashKey }`: `true` is every kind, labelled; an object
 * picks kinds by name (none named: every kind) and may set `mode` and `hashKey`. Off: undefined.
 */
function piiSettings(pii) {
  if (pii === undefined || pii === null || pii === false) return undefined;
  const all = PII_KINDS ?? [];
  if (pii === true) return { kinds: all, mode: 'label' };
  if (typeof pii !== 'object' || Array.isArray(pii)) {
    throw new TypeError(
      `SentrialClient: redact.pii must be a boolean or an object { ${[...all, ...PII_SETTINGS].join(', ')} }`,
    );
  }
  const named = Object.keys(pii).filter((name) => !PII_SETTINGS.includes(name));
  for (const name of named) {
    if (PII_KINDS !== null && !PII_KINDS.includes(name)) {
      throw new TypeError(
        `SentrialClient: unknown redact.pii field ${JSON.stringify(name)}; known: ${[...all, ...PII_SETTINGS].join(', ')}`,
      );
    }
    if (pii[name] !== undefined && typeof pii[name] !== 'boolean') {
      throw new TypeError(`SentrialClient: redact.pii.${name} must be a boolean`);
    }
  }
  const mode = pii.mode ?? 'label';
  if (PII_MODES !== null && !PII_MODES.includes(mode)) {
    throw new TypeError(`SentrialClient: redact.pii.mode must be one of ${PII_MODES.join(', ')}, got ${String(mode)}`);
  }
  // The key itself is never quoted back.
  if (pii.hashKey !== undefined && (typeof pii.hashKey !== 'string' || pii.hashKey === '')) {
    throw new TypeError('SentrialClient: redact.pii.hashKey must be a non-empty string');
  }
  const kinds = named.length === 0 ? all : named.filter((name) => pii[name] === true);
  return { kinds, mode, hashKey: pii.hashKey };
}

// A string, a RegExp, or { name, pattern } with either; as the native { name, source }.
function patternOf(p, i) {
  let name;
  let pattern = p;
  if (p && typeof p === 'object' && !(p instanceof RegExp)) {
    name = p.name;
    pattern = p.pattern;
    if (name !== undefined && typeof name !== 'string') {
      throw new TypeError(`SentrialClient: redact.patterns[${i}].name must be a string`);
    }
  }
  if (pattern instanceof RegExp) {
    const flags = [...pattern.flags].filter((f) => 'ims'.includes(f)).join('');
    return { name, source: (flags ? `(?${flags})` : '') + pattern.source };
  }
  if (typeof pattern !== 'string' || pattern === '') {
    throw new TypeError(
      `SentrialClient: redact.patterns[${i}] must be a non-empty string, a RegExp or { name, pattern }`,
    );
  }
  return { name, source: pattern };
}

/**
 * The native client, with every session it starts passing its text through `fn` first.
 * `onFault` is called for each time `fn` threw (its text is then replaced by a marker).
 * `partMarker` is what stands for a string lifted out of a message's JSON (`messageParts`); it is
 * left as it is, and the lifted string itself goes through `fn`.
 */
function withRedactFn(client, fn, onFault, partMarker) {
  const text = (s) => {
    try {
      const out = fn(s);
      if (typeof out === 'string') return out;
    } catch {
      // Falls through to the marker: the text the function could not clean is not sent.
    }
    onFault();
    return FAILED_MARKER;
  };
  const isMarker = (v) => partMarker !== null && v.startsWith(partMarker);
  const json = (s) => {
    if (typeof s !== 'string') return s;
    try {
      return JSON.stringify(JSON.parse(s, (_k, v) => (typeof v === 'string' && !isMarker(v) ? text(v) : v)));
    } catch {
      onFault();
      return undefined;
    }
  };
  // What goes to the core as JSON, redacted, then handed on; undefined (unreadable) is dropped.
  const viaJson = (send) => (s) => {
    const out = json(s);
    if (out !== undefined) send(out);
  };
  const parts = (list) => (Array.isArray(list) ? list.map((p) => (typeof p === 'string' ? text(p) : p)) : list);
  // Every method of a native session, each with what its text goes through. Fail closed: a method
  // the native session gains is not reachable through here until it is listed (a test checks the
  // list against the native session's methods).
  // The session id is a property, not a method: kept out of the method list, not enumerable.
  const session = (native) =>
    withId(native, {
      message: viaJson((s) => native.message(s)),
      hook: viaJson((s) => native.hook(s)),
      decision: viaJson((s) => native.decision(s)),
      messageParts: (s, list) => {
        const out = json(s);
        if (out !== undefined) native.messageParts(out, parts(list));
      },
      hookParts: (s, list) => {
        const out = json(s);
        if (out !== undefined) native.hookParts(out, parts(list));
      },
      userTurn: (s) => native.userTurn(typeof s === 'string' ? text(s) : s),
      interrupting: () => native.interrupting(),
      finish: (how, message) => native.finish(how, typeof message === 'string' ? text(message) : message),
      discard: () => native.discard(),
    });
  const maybe = (s) => (typeof s === 'string' ? text(s) : s);
  // A manual session's creation, steps and end are JSON: every string in them goes through `fn`.
  const manual = (native) =>
    native &&
    withId(native, {
      step: viaJson((s) => native.step(s)),
      complete: (s) => native.complete(json(s) ?? '{}'),
    });
  return forward(client, {
    createSession: (s) => manual(client.createSession(json(s) ?? '{}')),
    score: (score) => client.score({ ...score, label: maybe(score.label), comment: maybe(score.comment) }),
    startSession: (options) =>
      session(
        client.startSession({
          ...options,
          input: typeof options.input === 'string' ? text(options.input) : options.input,
          metadataJson: options.metadataJson === undefined ? undefined : (json(options.metadataJson) ?? '{}'),
        }),
      ),
  });
}

// `methods`, frozen, with the native session's id as a non-enumerable `id`.
function withId(native, methods) {
  return Object.freeze(Object.defineProperty(methods, 'id', { value: native.id, enumerable: false }));
}

// `target` with `own` methods in front; every other member served by `target` itself.
function forward(target, own) {
  return new Proxy(target, {
    get(t, prop) {
      if (Object.hasOwn(own, prop)) return own[prop];
      const value = Reflect.get(t, prop, t);
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });
}

/** The methods a redacting session wrapper serves, for the test that keeps it in step. */
const REDACTED_SESSION_METHODS = [
  'message',
  'hook',
  'decision',
  'messageParts',
  'hookParts',
  'userTurn',
  'interrupting',
  'finish',
  'discard',
];

/** The methods a redacting manual session wrapper serves, kept in step the same way. */
const REDACTED_MANUAL_METHODS = ['step', 'complete'];

module.exports = {
  redactSettings,
  withRedactFn,
  FAILED_MARKER,
  PRIVACY_MODES,
  REDACTED_SESSION_METHODS,
  REDACTED_MANUAL_METHODS,
};
