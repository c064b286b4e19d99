// Packs the npm tarballs a release publishes, from this checkout, without publishing anything:
// the main package with the `optionalDependencies` that `napi pre-publish` adds at publish time
// (one per platform package under npm/, same version), and each platform package whose binary
// has been built (`sentrial.<platform>.node` in the repo root, as `napi build --platform` leaves it,
// with the collector executable `npm run build` leaves beside it).
//
//   node scripts/pack.mjs [OUT_DIR]     (default .artifacts/pack)
//
// Prints one JSON object: { main: {file, size, unpackedSize, files}, platforms: [...] }.
// The tarball install test (__test__/install.test.mjs) installs these as a user would.

import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The platform packages under npm/: { dir, name, version, binary (the addon), collector (the executable) } each. */
export function platformPackages() {
  return readdirSync(path.join(root, 'npm'))
    .filter((d) => existsSync(path.join(root, 'npm', d, 'package.json')))
    .sort()
    .map((d) => {
      const pkg = JSON.parse(readFileSync(path.join(root, 'npm', d, 'package.json'), 'utf8'));
      const collector = pkg.files.find((f) => f.startsWith('sentrial-collector'));
      return {
        dir: path.join(root, 'npm', d),
        platform: d,
        name: pkg.name,
        version: pkg.version,
        binary: pkg.main,
        collector,
      };
    });
}

/** The main package.json as `napi pre-publish` leaves it: optionalDependencies on every platform package. */
export function publishedManifest() {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const optionalDependencies = { ...pkg.optionalDependencies };
  for (const p of platformPackages()) {
    if (p.version !== pkg.version) {
      throw new Error(`${p.name} is at ${p.version}, @sentrial/sdk at ${pkg.version}: run \`npx napi version\``);
    }
    optionalDependencies[p.name] = pkg.version;
  }
  return { ...pkg, optionalDependencies };
}

function npmPack(dir, outDir) {
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', outDir], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [info] = JSON.parse(out);
  return {
    name: info.name,
    file: path.join(outDir, info.filename),
    size: info.size,
    unpackedSize: info.unpackedSize,
    files: info.files.map((f) => f.path).sort(),
  };
}

/** Stages and packs; returns what was packed. */
export function pack(outDir) {
  mkdirSync(outDir, { recursive: true });
  const stage = mkdtempSync(path.join(tmpdir(), 'sentrial-pack-'));
  try {
    const manifest = publishedManifest();
    const mainDir = path.join(stage, 'main');
    mkdirSync(mainDir);
    for (const entry of [...manifest.files, 'README.md', 'LICENSE', 'CHANGELOG.md']) {
      const from = path.join(root, entry);
      if (existsSync(from)) cpSync(from, path.join(mainDir, entry), { recursive: true });
    }
    writeFileSync(path.join(mainDir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
    const main = npmPack(mainDir, outDir);

    const platforms = [];
    for (const p of platformPackages()) {
      const binary = path.join(root, p.binary);
      if (!existsSync(binary)) continue;
      const dir = path.join(stage, p.platform);
      cpSync(p.dir, dir, { recursive: true });
      cpSync(binary, path.join(dir, p.binary));
      const collector = path.join(root, p.collector);
      if (!existsSync(collector)) throw new Error(`${p.binary} is built but ${p.collector} is not: run npm run build`);
      cpSync(collector, path.join(dir, p.collector));
      platforms.push({
        ...npmPack(dir, outDir),
        binaryBytes: statSync(binary).size,
        collectorBytes: statSync(collector).size,
      });
    }
    return { main, platforms };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = path.resolve(process.argv[2] ?? path.join(root, '.artifacts', 'pack'));
  const result = pack(outDir);
  console.log(JSON.stringify(result, null, 2));
}
