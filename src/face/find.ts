/**
 * Finding the faces of an image: the detector on the whole image, a bordered retry for tight crops it
 * misses, or the whole image as one face (crop mode). Browser-safe.
 */
import { addBorder } from './border.js';
import type { DetectedFace, FaceDetector } from './detector.js';

/** How the faces of an image are found. */
export interface FaceFinding {
  /**
   * `detect` (default): the face detector finds every face of the image. `crop`: the image is one face
   * (a crop cut around it, as in most datasets); its landmarks are found on the whole image and it is
   * aligned like any detected face, with the whole image as its box and a score of 1.
   */
  faces?: 'detect' | 'crop';
  /**
   * When detection finds no face, it is tried once more on a canvas with a border of this fraction of the
   * image's longer side on every side (default 1; 0: no retry). Tight crops, which detectors miss, are
   * found this way.
   */
  retryBorder?: number;
}

/** The faces of an RGB image by `options.faces`, with the bordered retry when detection finds none. */
export async function findFaces(
  rgb: Uint8Array,
  width: number,
  height: number,
  detector: FaceDetector,
  options: FaceFinding = {},
): Promise<DetectedFace[]> {
  if (options.faces === 'crop') {
    const landmarks = await detector.cropLandmarks(rgb, width, height);
    return [{ box: { x: 0, y: 0, width, height }, score: 1, landmarks }];
  }
  const found = await detector.detect(rgb, width, height);
  const border = options.retryBorder ?? 1;
  if (found.length > 0 || border <= 0) return found;
  const canvas = addBorder(rgb, width, height, border);
  const again = await detector.detect(canvas.data, canvas.width, canvas.height);
  const dx = canvas.offsetX;
  const dy = canvas.offsetY;
  return again.map((f) => ({
    box: { ...f.box, x: f.box.x - dx, y: f.box.y - dy },
    score: f.score,
    landmarks: f.landmarks.map((v, i) => v - (i % 2 === 0 ? dx : dy)),
  }));
}
