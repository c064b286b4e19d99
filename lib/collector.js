'use strict';
// Where the collector executable (`sentrial serve`, `sentrial key ...`) is. It is its own program,
// not part of the addon that host applications load: a tracked serverless function carries only
// the tracking addon. A checkout's build (`npm run build`) leaves it next to package.json; an
// install has it in the platform package, beside the addon.

const { existsSync } = require('node:fs');
const path = require('node:path');
const { version } = require('../package.json');
const { PREBUILT, platformName } = require('./platform.js');

/** The executable's file name on this platform. */
const EXECUTABLE = process.platform === 'win32' ? 'sentrial-collector.exe' : 'sentrial-collector';

/**
 * The path of the collector executable: `SENTRIAL_COLLECTOR` when set, else a build in this
 * package's folder, else the one in `@sentrial/sdk-<platform>`. Throws an Error that says what to
 * install when there is none.
 */
function collectorPath(env = process.env) {
  if (env.SENTRIAL_COLLECTOR) {
    if (existsSync(env.SENTRIAL_COLLECTOR)) return env.SENTRIAL_COLLECTOR;
    throw new Error(`SENTRIAL_COLLECTOR is set to ${env.SENTRIAL_COLLECTOR}, which does not exist.`);
  }
  const local = path.join(__dirname, '..', EXECUTABLE);
  if (existsSync(local)) return local;
  const platform = platformName();
  const pkg = `@sentrial/sdk-${platform}`;
  try {
    const found = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), EXECUTABLE);
    if (existsSync(found)) return found;
  } catch {
    // not installed: explained below
  }
  if (!PREBUILT.includes(platform)) {
    throw new Error(
      `@sentrial/sdk: no prebuilt collector for ${platform} (prebuilt: ${PREBUILT.join(', ')}); build ` +
        'from source (Rust >= 1.85: npm run build in a clone) or point SENTRIAL_COLLECTOR at a build.',
    );
  }
  throw new Error(
    `@sentrial/sdk: the collector comes in ${pkg}@${version}, which is missing. npm installs it as an ` +
      `optional dependency of @sentrial/sdk: reinstall without --omit=optional, or: npm install ${pkg}@${version}`,
  );
}

module.exports = { collectorPath, EXECUTABLE };
