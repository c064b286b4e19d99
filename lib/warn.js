'use strict';
// One-line warnings to stderr, each said once per process.

const said = new Set();

function warnOnce(key, message) {
  if (said.has(key)) return;
  said.add(key);
  try {
    process.emitWarning(message, { type: 'SentrialWarning', code: key });
  } catch {
    // Printing a warning must never break the host.
  }
}

module.exports = { warnOnce };
