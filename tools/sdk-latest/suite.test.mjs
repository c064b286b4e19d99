// The end-to-end suites against the SDK that `run.mjs` installed (SENTRIAL_SDK_DIR): the same
// tests the project runs on its pinned 0.3.x and 0.2.x, on a release it has not seen yet.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { e2eSuite } from '../../__test__/support/e2e-suite.mjs';
import { truthSuite } from '../../__test__/support/truth-suite.mjs';

const dir = process.env.SENTRIAL_SDK_DIR;
if (!dir) throw new Error('SENTRIAL_SDK_DIR is not set: run `npm run test:sdk-latest`');
const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
const sdk = await import(pathToFileURL(path.join(dir, pkg.exports['.'].default)).href);
const line = pkg.version.startsWith('0.2.') ? '0.2' : '0.3';

e2eSuite(sdk.query, pkg.version);
// The zod next to that SDK, which its tool() takes.
const loadZod = async () => createRequire(path.join(dir, 'package.json'))('zod');
truthSuite(sdk, line, { loadZod });
