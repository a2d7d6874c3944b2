/** face-api.js's FaceExpressionNet in Node, its weights read from the npm package's own files. */
import type { BackendChoice } from '../../engine/backend.js';
import { faceApiModelDir, loadFaceApi } from '../../face/face-api-node.js';
import { type ExpressionTeacher, loadFaceExpressionNet } from '../../face/face-expression-net.js';

export { type ExpressionTeacher, FACE_API_FER_INDEX, toFerOrder } from '../../face/face-expression-net.js';

/** Loads face-api's FaceExpressionNet from the npm package's own files. */
export async function faceApiExpressionTeacher(backend: BackendChoice = 'wasm'): Promise<ExpressionTeacher> {
  const dir = faceApiModelDir();
  return loadFaceExpressionNet(await loadFaceApi(backend), (net) => net.loadFromDisk(dir));
}
