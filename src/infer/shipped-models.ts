/**
 * The emotion models shipped with the package, by name: `default`, one RAN, and `ensemble`, the accuracy
 * mode (that RAN and a second one distilled from an ensemble, read together as the mean of their logits:
 * twice the cost of a face). Browser-safe: the names and folder names only.
 */

/** The folders (under the package's `models/`) of each shipped model. */
export const SHIPPED_MODELS = {
  default: ['ferplus-ran'],
  ensemble: ['ferplus-ran', 'ferplus-ran-distilled'],
} as const satisfies Record<string, readonly string[]>;

/** The name of a shipped model: `'default'` or `'ensemble'` (the accuracy mode). */
export type ShippedModel = keyof typeof SHIPPED_MODELS;

/** True for the name of a shipped model. */
export function isShippedModel(name: unknown): name is ShippedModel {
  return typeof name === 'string' && Object.hasOwn(SHIPPED_MODELS, name);
}
