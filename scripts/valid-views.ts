/**
 * Validation-split probes used to choose inference and fine-tuning settings (never the test split):
 * accuracy of each model under sets of test-time views (identity, mirror, zoom, 2-pixel shifts), and under
 * synthetic occlusion (every face gets one fixed random erasing of 10-30% of its area), plain and with
 * the mirror.  Run: npx tsx scripts/valid-views.ts MODEL_DIR... (data from $RANFER_DATA or ../shared)
 */
import { defaultDataDir } from '../src/cli/defaults.js';
import { IMAGE_SIZE, loadSplit } from '../src/lab/data/ferplus.js';
import { buildEvalSet } from '../src/lab/data/sets.js';
import { startModelPool } from '../src/lab/parallel/pool-predict.js';
import {
  augmentImage,
  type FaceWarp,
  IDENTITY_WARP,
  NO_AUGMENT,
  warpImage,
} from '../src/lab/train/augment.js';
import { loadModel } from '../src/model/io.js';
import { flipHorizontal } from '../src/model/preprocess.js';
import { argmaxRows, softmaxRows } from '../src/util/probabilities.js';
import { Rng } from '../src/util/rng.js';

const S = IMAGE_SIZE;
const PX = S * S;
const dirs = process.argv.slice(2);
if (dirs.length === 0) throw new Error('usage: npx tsx scripts/valid-views.ts MODEL_DIR...');
const split = (await loadSplit(defaultDataDir(), 'valid')).data;
const set = await buildEvalSet(defaultDataDir(), split);
const n = set.indices.length;

const views: Record<string, FaceWarp> = {};
for (const flip of [false, true]) {
  const f = flip ? 'mirror' : 'face';
  views[f] = { ...IDENTITY_WARP, flip };
  for (const scale of [1.08, 0.92]) views[`${f} zoom ${scale}`] = { ...IDENTITY_WARP, flip, scale };
  for (const [tx, ty] of [
    [2, 0],
    [-2, 0],
    [0, 2],
    [0, -2],
  ])
    views[`${f} shift ${tx},${ty}`] = { ...IDENTITY_WARP, flip, tx, ty };
}
const names = Object.keys(views);
const combos: Record<string, string[]> = {
  face: ['face'],
  'face + mirror': ['face', 'mirror'],
  '+ zooms': names.filter((v) => !v.includes('shift')),
  '+ zoom in': ['face', 'mirror', 'face zoom 1.08', 'mirror zoom 1.08'],
  '+ shifts': names.filter((v) => !v.includes('zoom')),
  'all 18 views': names,
};

const accuracy = (probs: Float32Array) => {
  const top = argmaxRows(probs, 8);
  return (100 * top.filter((c, i) => c === set.labels[i]).length) / n;
};
const sum = (parts: Float32Array[]) => parts.reduce((a, b) => a.map((v, i) => v + b[i]));

for (const dir of dirs) {
  const pool = await startModelPool(await loadModel(dir), dir, { workers: 2 });
  const predict = async (x: Float32Array) => {
    const out = new Float32Array(n * 8);
    for (let st = 0; st < n; st += 256) {
      const m = Math.min(256, n - st);
      const r = await pool.predict(x.slice(st * PX, (st + m) * PX), [m, S, S, 1]);
      out.set(softmaxRows(r.logits, r.classes), st * 8);
    }
    return out;
  };
  const input = (fill: (src: Uint8Array, out: Float32Array) => void) => {
    const x = new Float32Array(n * PX);
    set.indices.forEach((k, i) => {
      fill(split.pixels.subarray(k * PX, (k + 1) * PX), x.subarray(i * PX, (i + 1) * PX));
    });
    return x;
  };
  try {
    const probs: Record<string, Float32Array> = {};
    for (const v of names) probs[v] = await predict(input((src, out) => warpImage(src, S, views[v], out)));
    console.log(`${dir}: valid accuracy (${n} faces)`);
    for (const [c, vs] of Object.entries(combos))
      console.log(`  ${c.padEnd(16)} ${accuracy(sum(vs.map((v) => probs[v]))).toFixed(2)}%`);
    const rng = new Rng(12345);
    const erase = { ...NO_AUGMENT, erase: { p: 1, minArea: 0.1, maxArea: 0.3, minAspect: 0.3 } };
    const occluded = input((src, out) => augmentImage(src, S, erase, rng, out));
    const plain = await predict(occluded);
    const mirrored = await predict(flipHorizontal(occluded, S));
    console.log(
      `  synthetic occlusion: ${accuracy(plain).toFixed(2)}%, with the mirror ${accuracy(sum([plain, mirrored])).toFixed(2)}%`,
    );
  } finally {
    await pool.close();
  }
}
