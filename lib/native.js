'use strict';
// Loads the native addon once. A platform with no prebuilt binary gets a clear message naming the
// package it needs and a client with tracking off, never a crash of the host application.

const { version } = require('../package.json');
const { PREBUILT, platformName } = require('./platform.js');

function explain(err) {
  const platform = platformName();
  const pkg = `@sentrial/sdk-${platform}`;
  const cause = causes(err);
  const head = `@sentrial/sdk: no native binary for ${platform}; tracking is off and your agents run as usual.`;
  if (!PREBUILT.includes(platform)) {
    return (
      `${head} There is no prebuilt package for ${platform} (prebuilt: ${PREBUILT.join(', ')}); ` +
      `build from source (Rust >= 1.85: npm run build in a clone). Cause: ${cause}`
    );
  }
  return (
    `${head} The package ${pkg}@${version} is missing or could not be loaded. npm installs it as an ` +
    `optional dependency of @sentrial/sdk: reinstall without --omit=optional / --no-optional, on the ` +
    `platform that runs the code (a bundle built on macOS needs ${pkg} for a Linux server), ` +
    `or add it explicitly: npm install ${pkg}@${version}. Cause: ${cause}`
  );
}

// The load failures napi-rs chained through `cause`, first line of each, oldest first.
function causes(err) {
  const lines = [];
  for (let e = err && err.cause ? err.cause : err; e && lines.length < 8; e = e.cause) {
    const line = String((e && e.message) || e).split('\n')[0];
    if (!lines.includes(line)) lines.unshift(line);
  }
  return lines.join('; ') || String(err);
}

let native = null;
let loadError = null;
try {
  native = require('../binding.js');
} catch (err) {
  loadError = new Error(explain(err));
  loadError.cause = err;
}

/**
 * What stands for a string lifted out of a message's JSON before it is handed to the core
 * (`messageParts`), followed by the part's index; random per process. Null: no lifting.
 */
let partMarker = null;
try {
  partMarker = native && typeof native.partMarker === 'function' ? native.partMarker() : null;
} catch {
  partMarker = null;
}

/**
 * The values of one of the binding's string enums (`PrivacyMode`, `OtlpProtocol`): the Rust enum
 * is the one list. Null when the addon is not loaded (tracking is off then, and the option that
 * takes them is not used).
 */
function enumValues(name) {
  const e = native && native[name];
  return e && typeof e === 'object' ? Object.values(e) : null;
}

module.exports = { native, loadError, platformName, partMarker, enumValues };
