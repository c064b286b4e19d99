// Builds the native addon and the collector executable (release) when either is missing, so
// `npm run demo` works on a fresh clone.
import { existsSync, readdirSync } from 'node:fs';
import { execSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built =
  readdirSync(root).some((f) => /^sentrial\..+\.node$/.test(f)) &&
  existsSync(path.join(root, 'binding.js')) &&
  readdirSync(root).some((f) => /^sentrial-collector(\.exe)?$/.test(f));
if (!built) {
  console.log('Building the native addon and the collector (release, about 4 minutes the first time)...');
  execSync('npm run build', { cwd: root, stdio: 'inherit' });
}
