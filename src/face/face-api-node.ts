/**
 * Loads `@vladmandic/face-api` in Node on ranfer's TensorFlow.js backend, with its detection and
 * landmark weights read from the npm package itself (no network).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { type BackendChoice, initBackend } from '../engine/backend.js';
import type { FaceApiModule } from './detector.js';

export type { FaceApiModule };

const require = createRequire(import.meta.url);

/** The folder of face-api's bundled model weights. */
export function faceApiModelDir(): string {
  return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

let loaded: FaceApiModule | undefined;

/**
 * face-api's Node WASM build: it shares the TensorFlow.js engine (a process-wide global) that
 * `initBackend` started, so face-api and the RAN run on one backend.
 */
export async function loadFaceApi(backend: BackendChoice = 'auto'): Promise<FaceApiModule> {
  await initBackend(backend);
  loaded ??= require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApiModule;
  return loaded;
}
