'use strict';
// Loads the native addon once. A platform with no prebuilt binary gets a clear message and a
// client with tracking off, never a crash of the host application.

let native = null;
let loadError = null;
try {
  native = require('../binding.js');
} catch (err) {
  loadError = new Error(
    `@sentrial/sdk: no native binary for ${process.platform}-${process.arch}` +
      `${process.report?.getReport?.().header?.glibcVersionRuntime ? '-gnu' : ''}; ` +
      `tracking is off. Install the matching optional package @sentrial/sdk-<platform> ` +
      `(npm installs it unless optional dependencies were skipped). Cause: ${err && err.message}`,
  );
}

module.exports = { native, loadError };
