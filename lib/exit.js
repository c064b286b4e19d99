'use strict';
// Delivery at process exit, bounded, for every live client:
// - the event loop empties (`beforeExit`): an ordinary flush, which keeps the loop alive until it
//   settles or `exitTimeoutMs` passes;
// - `process.exit()` (`exit`): a synchronous flush that blocks for at most `exitTimeoutMs`;
// - SIGTERM / SIGINT: the same synchronous flush; then, when nobody else listens for the signal,
//   the default behaviour (the process ends by that signal) is restored and the signal raised again.
// A collector that hangs delays exit by no more than `exitTimeoutMs`.
//
// Clients are listed weakly, so a client the application dropped is not kept alive by this list;
// but a client with runs not yet known to be delivered is held, so that a garbage collection does
// not take it (and its exit flush) away from an application that kept no reference to it: a
// top-level `const client` of a script is not kept once the script's body has run. It is let go
// once a flush settles with nothing pending and no run open.

const { isMainThread } = require('node:worker_threads');

const clients = new Set();
// Client → its runs still open. Present: the client has events not yet known to be delivered.
const held = new Map();
let installed = false;

function* live() {
  for (const ref of clients) {
    const c = ref.deref();
    if (c) yield c;
    else clients.delete(ref);
  }
}

function register(client) {
  clients.add(client.exitState.ref);
  if (!installed) {
    installed = true;
    install();
  }
}

function unregister(client) {
  clients.delete(client.exitState.ref);
  held.delete(client);
}

/** A run of `client` began: a client with an exit flush is held until its events are delivered. */
function runBegan(client) {
  if (!clients.has(client.exitState.ref)) return;
  held.set(client, (held.get(client) ?? 0) + 1);
}

/** A run of `client` ended (its events may still be pending). */
function runEnded(client) {
  const open = held.get(client);
  if (open !== undefined) held.set(client, Math.max(0, open - 1));
}

/** A flush of `client` settled with `report`: with nothing pending and no run open, let it go. */
function flushSettled(client, report) {
  if (held.get(client) === 0 && report && report.pending === 0 && !report.timedOut) held.delete(client);
}

function install() {
  process.on('beforeExit', onBeforeExit);
  process.on('exit', onExit);
  if (isMainThread) {
    for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, onSignal);
  }
}

function onBeforeExit() {
  for (const c of live()) {
    // The flush command follows every input in the worker's queue, so it covers inputs the worker
    // has not read yet. Each batch of inputs is flushed once: the flush's own settling makes the
    // loop empty again, and `beforeExit` fires again.
    const inputs = c.stats().inputs;
    if (inputs === c.exitState.flushedAt) continue;
    c.exitState.flushedAt = inputs;
    c.flush({ timeoutMs: c.exitTimeoutMs });
  }
}

function flushAllSync() {
  for (const c of live()) c.flushSyncForExit();
}

function onExit() {
  flushAllSync();
}

function onSignal(signal) {
  flushAllSync();
  if (process.listenerCount(signal) === 1) {
    // Only we listen: restore the default and let the signal end the process as it would have.
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal);
  }
}

module.exports = { register, unregister, runBegan, runEnded, flushSettled };
