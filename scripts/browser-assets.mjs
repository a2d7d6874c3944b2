// Copies the files the browser entry serves from the package (dist/browser/assets/): face-api's Tiny Face
// Detector, 68-point landmark and FaceExpressionNet weights, and TensorFlow.js's WASM binaries. Run by `npm run build`.
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const out = path.resolve(import.meta.dirname, '../dist/browser/assets');
mkdirSync(out, { recursive: true });
const faceApi = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
const wasm = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
for (const f of [
  'tiny_face_detector_model-weights_manifest.json',
  'tiny_face_detector_model.bin',
  'face_landmark_68_model-weights_manifest.json',
  'face_landmark_68_model.bin',
  'face_expression_model-weights_manifest.json',
  'face_expression_model.bin',
])
  copyFileSync(path.join(faceApi, f), path.join(out, f));
for (const f of [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
])
  copyFileSync(path.join(wasm, f), path.join(out, f));
