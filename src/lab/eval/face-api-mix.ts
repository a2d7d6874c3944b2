/**
 * face-api.js's FaceExpressionNet for an evaluation whose prediction recipe gives it a share
 * (`faceApiWeight`): loaded only then, and mixed in by the recipe (infer/recipe.ts) as the recognizer does.
 */
import type { BackendChoice } from '../../engine/backend.js';
import type { ExpressionTeacher } from '../../face/face-expression-net.js';
import type { PredictionRecipe } from '../../infer/recipe.js';
import { faceApiExpressionTeacher } from '../train/expression-teacher.js';

/** FaceExpressionNet when `recipe` gives it a share, else undefined (nothing loaded). */
export async function faceApiFor(
  recipe: PredictionRecipe,
  backend?: BackendChoice,
): Promise<ExpressionTeacher | undefined> {
  return recipe.faceApiWeight > 0 ? faceApiExpressionTeacher(backend) : undefined;
}
