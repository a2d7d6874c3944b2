/**
 * The emotion models shipped with the package, by name: `default`, one RAN, and `ensemble`, the accuracy
 * mode (that RAN and a second one distilled from an ensemble, read together as the mean of their logits:
 * twice the cost of a face). Browser-safe: the names and folder names only.
 */

/** The name of a shipped model: `'default'` or `'ensemble'` (the accuracy mode). */
export type ShippedModel = 'default' | 'ensemble';

/** A folder of the package's `models/`. */
export type ShippedFolder = 'ferplus-ran' | 'ferplus-ran-distilled';

/** The folders (under the package's `models/`) of each shipped model. */
export const SHIPPED_MODELS: Readonly<Record<ShippedModel, readonly ShippedFolder[]>> = {
  default: ['ferplus-ran'],
  ensemble: ['ferplus-ran', 'ferplus-ran-distilled'],
};

/** True for the name of a shipped model. */
export function isShippedModel(name: unknown): name is ShippedModel {
  return typeof name === 'string' && Object.hasOwn(SHIPPED_MODELS, name);
}
