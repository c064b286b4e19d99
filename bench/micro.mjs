// Just the per-message phase of `npm run bench` (@sentrial/sdk against the floor, no peer loaded),
// for quick A/B runs while working on the hand-over: `node bench/micro.mjs [reps]`. Prints, per
// message kind, ours above the floor next to `JSON.stringify` of the stored part (medians, µs).
// NAPI_RS_NATIVE_LIBRARY_PATH picks another build of the addon.

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCollector } from '../__test__/support/harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const reps = Number(process.argv[2] ?? 6);
const col = await startCollector({ apiKey: 'bench-key' });
try {
  const cfg = {
    phase: 'micro',
    contenders: ['floor', 'sentrial'],
    reps,
    collectorUrl: col.url,
    apiKey: col.apiKey,
    sinkUrl: col.url,
    agent: 'bench-micro',
  };
  const out = execFileSync(process.execPath, ['--expose-gc', path.join(here, 'phase.mjs'), JSON.stringify(cfg)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const r = JSON.parse(
    out
      .split('\n')
      .find((l) => l.startsWith('RESULT '))
      .slice(7),
  );
  const kinds = [
    ...new Set(
      Object.keys(r)
        .filter((k) => k.startsWith('sentrial/'))
        .map((k) => k.slice(9)),
    ),
  ];
  console.log('| message | ours above floor | stringify | ratio | native call |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const k of kinds) {
    const ours = r[`sentrial/${k}`].median - r[`floor/${k}`].median;
    const st = r[`stringify/${k}`];
    const call = r[`nativecall/${k}`];
    console.log(
      `| ${k} | ${ours.toFixed(2)} | ${st ? st.median.toFixed(2) : '-'} | ${st ? (ours / st.median).toFixed(2) + 'x' : '-'} | ${call ? call.median.toFixed(2) : '-'} |`,
    );
  }
} finally {
  await col.stop();
}
