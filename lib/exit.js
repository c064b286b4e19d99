'use strict';
// Delivery at process exit, bounded, for every live client:
// - the event loop empties (`beforeExit`): an ordinary flush, which keeps the loop alive until it
//   settles or `exitTimeoutMs` passes;
// - `process.exit()` (`exit`): a synchronous flush that blocks for at most `exitTimeoutMs`;
// - SIGTERM / SIGINT: the same synchronous flush; then, when nobody else listens for the signal,
//   the default behaviour (the process ends by that signal) is restored and the signal raised again.
// A collector that hangs delays exit by no more than `exitTimeoutMs`.

const { isMainThread } = require('node:worker_threads');

// Weak, so a client the application dropped is not kept alive by this list.
const clients = new Set();
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

module.exports = { register, unregister };
