/**
 * Measures how FERPlus frames its faces: runs face-api's 68-point landmark network on the first 600
 * FER2013Train faces and prints the median eye and mouth centres as fractions of the crop. The result
 * is `FERPLUS_FRAMING` in src/face/align.ts.  Run: npx tsx scripts/calibrate-framing.ts [DATA_DIR]
 */
import { defaultDataDir } from '../src/cli/defaults.js';
import { faceApiModelDir, loadFaceApi } from '../src/face/face-api-node.js';
import { IMAGE_SIZE, loadSplit } from '../src/lab/data/ferplus.js';

const faceapi = await loadFaceApi('wasm');
await faceapi.nets.faceLandmark68Net.loadFromDisk(faceApiModelDir());
const { data } = await loadSplit(process.argv[2] ?? defaultDataDir(), 'train');
const px = IMAGE_SIZE * IMAGE_SIZE;
const points: number[][] = [];
for (let n = 0; n < 600; n++) {
  const rgb = new Uint8Array(px * 3);
  for (let i = 0; i < px; i++) rgb.fill(data.pixels[n * px + i], 3 * i, 3 * i + 3);
  const input = faceapi.tf.tensor3d(rgb, [IMAGE_SIZE, IMAGE_SIZE, 3], 'int32');
  const lm = (await faceapi.nets.faceLandmark68Net.detectLandmarks(input as never)) as {
    relativePositions: { x: number; y: number }[];
  };
  input.dispose();
  const p = lm.relativePositions;
  const centre = (a: number, b: number) => {
    const s = p.slice(a, b);
    return [s.reduce((t, q) => t + q.x, 0) / s.length, s.reduce((t, q) => t + q.y, 0) / s.length];
  };
  points.push([...centre(36, 42), ...centre(42, 48), ...centre(48, 68)]);
}
const median = (j: number) => {
  const v = points.map((q) => q[j]).sort((a, b) => a - b);
  return Number(v[v.length >> 1].toFixed(4));
};
console.log({
  leftEye: [median(0), median(1)],
  rightEye: [median(2), median(3)],
  mouth: [median(4), median(5)],
});
