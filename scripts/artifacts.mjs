// The release's publish step: puts each built target into its platform package under npm/.
// `artifacts/bindings-<triple>/` (as the build jobs upload them) holds `sentrial.<platform>.node` and
// the collector executable; the executable goes to npm/<platform>/ with its execute bit back (the
// artifact store drops it), then `napi artifacts` moves the addons.
//
//   node scripts/artifacts.mjs [ARTIFACTS_DIR]     (default artifacts)

import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const artifacts = path.resolve(root, process.argv[2] ?? 'artifacts');

for (const dir of readdirSync(artifacts)) {
  const files = readdirSync(path.join(artifacts, dir));
  const addon = files.find((f) => /^sentrial\..+\.node$/.test(f));
  const collector = files.find((f) => /^sentrial-collector(\.exe)?$/.test(f));
  if (!addon || !collector) throw new Error(`${dir}: expected an addon and a collector, found ${files.join(', ')}`);
  const platform = addon.slice('sentrial.'.length, -'.node'.length);
  const pkgDir = path.join(root, 'npm', platform);
  if (!existsSync(pkgDir)) throw new Error(`${dir}: no platform package npm/${platform}`);
  copyFileSync(path.join(artifacts, dir, collector), path.join(pkgDir, collector));
  chmodSync(path.join(pkgDir, collector), 0o755);
  console.log(`${collector} -> npm/${platform}/`);
}
execFileSync('npx', ['napi', 'artifacts', '--output-dir', artifacts], { cwd: root, stdio: 'inherit' });
