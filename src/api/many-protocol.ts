/** Messages between `recognizeMany` and its worker threads. */
import type { ImageInput } from '../face/image.js';
import type { RecognizedFace } from './pipeline.js';

export type ManyRequest =
  | { kind: 'start'; config: unknown }
  | { kind: 'photo'; index: number; input: ImageInput };

export type ManyResponse =
  | { kind: 'ready' }
  | { kind: 'result'; index: number; faces?: RecognizedFace[]; error?: string }
  | { kind: 'fatal'; message: string };
