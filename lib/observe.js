'use strict';
// Hands each SDK message that carries something to store to the native session, serialized once;
// every other message costs a `switch` (and a Set lookup for system messages). Which messages
// these are is written once, in observed.json, which the core's fixture replay reads too.

const { recordFault } = require('./client.js');
const { partMarker: PART_MARKER } = require('./native.js');
const OBSERVED = require('./observed.json');

const WHOLE = new Set(OBSERVED.whole);
const SYSTEM = new Set(OBSERVED.system);
const STREAM_EVENTS = new Set(OBSERVED.stream_event);

// Strings this long (a file a Read returned, a command's output) are handed to the native side as
// they are, one copy, instead of being escaped into JSON here and the JSON copied again: the core
// puts them back in place of their marker on its own thread. Shorter ones are not worth a part.
const PART_MIN_LENGTH = 4096;
// Where lift() looks for such strings: this many levels down, in the first LIFT_MAX_KEYS entries of
// each object and array (tool outputs sit two or three levels into a hook payload).
const LIFT_DEPTH = 3;
const LIFT_MAX_KEYS = 32;
// The frame of one block of a user message: `{"type":"user","parent_tool_use_id":null,"message":{"content":[`,
// the block's JSON, `]}}`.
const USER_FRAME_HEAD = '{"type":"user","parent_tool_use_id":null,"message":{"content":[';
const USER_FRAME_TAIL = ']}}';

/**
 * Hands `message` to `session` when it stores something. `run.hooked` holds the tool calls a Post
 * hook already reported, whose tool_result blocks are then not needed.
 */
function observe(session, run, message) {
  try {
    const type = message && message.type;
    switch (type) {
      // The two kinds every run has many of, first (observed.json lists them too).
      case 'assistant':
      case 'result':
        session.message(JSON.stringify(message));
        break;
      case 'system':
        if (SYSTEM.has(message.subtype)) session.message(JSON.stringify(message));
        break;
      case 'stream_event':
        // The start of a model call (its time to first token) and its end (final output count,
        // stop reason); the deltas between are not needed.
        if (message.event && STREAM_EVENTS.has(message.event.type)) session.message(JSON.stringify(message));
        break;
      case 'user':
        observeUser(session, run, message);
        break;
      default:
        if (WHOLE.has(type)) session.message(JSON.stringify(message));
        break;
    }
  } catch {
    // A message tracking cannot read is skipped; the caller still gets it unchanged.
    recordFault(run.client);
  }
}

/** A user message: each tool_result not reported by a hook, and each text block, on its own. */
function observeUser(session, run, message) {
  const content = message.message && message.message.content;
  if (!Array.isArray(content)) return;
  for (const block of content) {
    if (!block) continue;
    if (block.type === 'text') {
      session.message(frameHead(message) + JSON.stringify(block) + USER_FRAME_TAIL);
      continue;
    }
    if (block.type !== 'tool_result' || run.hooked.delete(block.tool_use_id)) continue;
    // What is stored is this block in a one-block user message. The frame is written as text
    // around the block's JSON rather than built as objects and serialized with it: the same
    // JSON, without allocating the frame on every result. A failed call's `tool_result_meta` entry
    // (which says whether it was refused) goes with it.
    const tail = block.is_error ? metaTail(message, block.tool_use_id) : USER_FRAME_TAIL;
    const c = block.content;
    if (!(typeof c === 'string' ? c.length >= PART_MIN_LENGTH : Array.isArray(c))) {
      session.message(frameHead(message) + JSON.stringify(block) + tail);
      continue;
    }
    const parts = [];
    const json = frameHead(message) + JSON.stringify(lift(block, parts, LIFT_DEPTH)) + tail;
    if (parts.length === 0) session.message(json);
    else session.messageParts(json, parts);
  }
}

function frameHead(message) {
  const parent = message.parent_tool_use_id;
  return parent == null
    ? USER_FRAME_HEAD
    : `{"type":"user","parent_tool_use_id":${JSON.stringify(parent)},"message":{"content":[`;
}

function metaTail(message, id) {
  const meta = Array.isArray(message.tool_result_meta)
    ? message.tool_result_meta.find((m) => m && m.id === id)
    : undefined;
  return meta === undefined ? USER_FRAME_TAIL : `]},"tool_result_meta":[${JSON.stringify(meta)}]}`;
}

/** Hands a hook payload to `session`, its large strings lifted out. */
function observeHook(session, input) {
  const parts = [];
  const slim = lift(input, parts, LIFT_DEPTH);
  if (parts.length === 0) session.hook(JSON.stringify(input));
  else session.hookParts(JSON.stringify(slim), parts);
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

module.exports = { observe, observeHook };
