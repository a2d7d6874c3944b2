/** The JSON shape of a recognised face, shared by `ranfer predict --json` and `POST /api/recognize`. */
import type { Box } from '../face/detector.js';
import type { RecognizedFace } from './recognizer.js';

/** A recognised face as JSON: the same fields but the aligned pixels, rounded. */
export type FaceJson = Omit<RecognizedFace, 'aligned'>;

const round = (v: number, digits: number) => Number(v.toFixed(digits));

function roundValues<K extends string>(record: Record<K, number>, digits: number): Record<K, number> {
  return Object.fromEntries(Object.entries<number>(record).map(([k, v]) => [k, round(v, digits)])) as Record<
    K,
    number
  >;
}

export function faceToJson(face: RecognizedFace): FaceJson {
  return {
    box: roundValues(face.box, 1) as Box,
    score: round(face.score, 4),
    ...(face.rotation ? { rotation: face.rotation } : {}),
    landmarks: face.landmarks.map(([x, y]) => [round(x, 1), round(y, 1)]),
    emotion: face.emotion,
    probabilities: roundValues(face.probabilities, 5),
    attention: roundValues(face.attention, 5),
  };
}
