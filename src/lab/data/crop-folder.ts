/** A list of face crop files framed for a model's input, the way `frameCrop` frames one (Node: reads files). */
import type { BackendChoice } from '../../engine/backend.js';
import { FaceDetector } from '../../face/detector.js';
import { faceApiModelDir, loadFaceApi } from '../../face/face-api-node.js';
import { loadRgbImage } from '../../face/image.js';
import { type CropFraming, frameCrop } from './crop.js';

/** Frames every crop of `files` for a model of input side `size` (landmarks run in this thread). */
export async function frameFolder(
  files: string[],
  size: number,
  framing: CropFraming,
  backend?: BackendChoice,
  onProgress?: (done: number, total: number) => void,
  retryBorder?: number,
): Promise<{ pixels: Uint8Array; fallbacks: number }> {
  const detector =
    framing !== 'resize'
      ? await FaceDetector.create(await loadFaceApi(backend), (net) => net.loadFromDisk(faceApiModelDir()))
      : undefined;
  const pixels = new Uint8Array(files.length * size * size);
  let fallbacks = 0;
  for (const [i, file] of files.entries()) {
    const framed = await frameCrop(await loadRgbImage(file), size, framing, detector, retryBorder);
    if (framed.framing !== framing) fallbacks++;
    pixels.set(framed.pixels, i * size * size);
    onProgress?.(i + 1, files.length);
  }
  return { pixels, fallbacks };
}
