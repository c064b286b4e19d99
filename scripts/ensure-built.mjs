// Builds the native addon (release) when it is missing, so `npm run demo` works on a fresh clone.
import { existsSync, readdirSync } from 'node:fs';
import { execSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built =
  readdirSync(root).some((f) => /^sentrial\..+\.node$/.test(f)) && existsSync(path.join(root, 'binding.js'));
if (!built) {
  console.log('Building the native addon (release, about 3 minutes the first time)...');
  execSync('npm run build', { cwd: root, stdio: 'inherit' });
}
