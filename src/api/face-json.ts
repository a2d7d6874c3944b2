/** The JSON shape of a recognised face, shared by `ranfer predict --json` and `POST /api/recognize`. */
import type { Emotion } from '../data/emotions.js';
import type { Box } from '../face/detector.js';
import type { RecognizedFace } from './recognizer.js';

export interface FaceJson {
  box: Box;
  score: number;
  landmarks: [number, number][];
  emotion: Emotion;
  probabilities: Record<Emotion, number>;
  attention: Record<string, number>;
}

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
    landmarks: face.landmarks.map(([x, y]) => [round(x, 1), round(y, 1)]),
    emotion: face.emotion,
    probabilities: roundValues(face.probabilities, 5),
    attention: roundValues(face.attention, 5),
  };
}
