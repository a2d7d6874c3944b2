/**
 * Class balance for training: the class prior of a training set and the logit adjustment it gives
 * (Menon et al., "Long-tail learning via logit adjustment", ICLR 2021). Training on logits shifted by
 * tau * log(prior) makes the network's own logits estimate the class-balanced posterior, so rare classes
 * (disgust, fear, contempt in FERPlus) are not traded away for the frequent ones.
 */
import { type ClassPrior, MIN_PRIOR } from '../../model/prior.js';
import type { NetworkConfig } from '../../model/registry.js';

export { MIN_PRIOR };

export interface BalanceConfig {
  /** Strength of the adjustment: 0 is plain cross-entropy, 1 the balanced posterior. */
  tau: number;
}

/** Mean of the target distributions (rows of `classes` values): the training set's class prior. */
export function classPrior(targets: Float32Array, classes: number): number[] {
  const n = targets.length / classes;
  if (!Number.isInteger(n) || n < 1) throw new Error('class prior of an empty or ragged target set');
  const sums = new Float64Array(classes);
  for (let i = 0; i < targets.length; i++) sums[i % classes] += targets[i];
  return Array.from(sums, (s) => s / n);
}

/** tau * log(prior) per class, rounded to 6 decimals so that the saved configuration reads cleanly. */
export function logitAdjustment(prior: number[], tau: number): number[] {
  return prior.map((p) => Math.round(1e6 * tau * Math.log(Math.max(p, MIN_PRIOR))) / 1e6);
}

/** The network of a run with its loss's logit adjustment set from the training targets (RAN only). */
export function balancedNetwork(
  network: NetworkConfig,
  balance: BalanceConfig | undefined,
  targets: Float32Array,
): NetworkConfig {
  if (!balance || balance.tau === 0) return network;
  if (network.kind !== 'ran') throw new Error('class balance (logit adjustment) needs a RAN network');
  return { ...network, logitAdjust: logitAdjustment(classPrior(targets, network.classes), balance.tau) };
}

/** The prior a trained model records: its training frequencies, their weight in its logits, the default weight. */
export function trainedPrior(
  targets: Float32Array,
  classes: number,
  balance: BalanceConfig | undefined,
): ClassPrior {
  const train = classPrior(targets, classes).map((p) => Math.round(1e6 * p) / 1e6);
  const raw = 1 - (balance?.tau ?? 0);
  return { train, raw, weight: raw };
}
