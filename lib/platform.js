'use strict';
// The platform this process runs on, named as napi-rs names its prebuilt packages
// (`@sentrial/sdk-<platform>`), and the platforms that have one.

// The prebuilt targets (package.json `napi.targets`), as napi-rs names their packages.
const PREBUILT = [
  'linux-x64-gnu',
  'linux-arm64-gnu',
  'linux-x64-musl',
  'linux-arm64-musl',
  'darwin-x64',
  'darwin-arm64',
  'win32-x64-msvc',
];

/** The napi-rs platform name of this process, e.g. `linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`. */
function platformName() {
  const base = `${process.platform}-${process.arch}`;
  if (process.platform === 'win32') return `${base}-msvc`;
  if (process.platform !== 'linux') return base;
  return `${base}-${isMusl() ? 'musl' : 'gnu'}`;
}

function isMusl() {
  try {
    const header = process.report && process.report.getReport && process.report.getReport().header;
    return !(header && header.glibcVersionRuntime);
  } catch {
    return false;
  }
}

module.exports = { PREBUILT, platformName };
