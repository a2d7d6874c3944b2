/** Classification metrics over class indices. */

export interface ClassificationMetrics {
  count: number;
  accuracy: number;
  /** Accuracy (recall) of each class; NaN for a class with no samples. */
  perClassAccuracy: number[];
  /** Mean of the per-class accuracies over the classes that have samples (balanced accuracy). */
  balancedAccuracy: number;
  /** Mean F1 over the classes that have samples or predictions. */
  macroF1: number;
  /** confusion[actual][predicted]. */
  confusion: number[][];
}

export function classificationMetrics(
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
  classes: number,
): ClassificationMetrics {
  if (actual.length !== predicted.length) throw new Error('actual and predicted differ in length');
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let correct = 0;
  for (let i = 0; i < actual.length; i++) {
    confusion[actual[i]][predicted[i]]++;
    if (actual[i] === predicted[i]) correct++;
  }
  const perClassAccuracy = confusion.map((row, c) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total > 0 ? row[c] / total : Number.NaN;
  });
  const f1s: number[] = [];
  for (let c = 0; c < classes; c++) {
    const tp = confusion[c][c];
    const actualN = confusion[c].reduce((a, b) => a + b, 0);
    const predictedN = confusion.reduce((a, row) => a + row[c], 0);
    if (actualN === 0 && predictedN === 0) continue;
    f1s.push(actualN + predictedN > 0 ? (2 * tp) / (actualN + predictedN) : 0);
  }
  const present = perClassAccuracy.filter((a) => !Number.isNaN(a));
  return {
    count: actual.length,
    accuracy: actual.length > 0 ? correct / actual.length : Number.NaN,
    perClassAccuracy,
    balancedAccuracy: present.length > 0 ? present.reduce((a, b) => a + b, 0) / present.length : Number.NaN,
    macroF1: f1s.length > 0 ? f1s.reduce((a, b) => a + b, 0) / f1s.length : Number.NaN,
    confusion,
  };
}
