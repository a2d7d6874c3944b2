/** Builds a network from its JSON spec (the same spec in every worker thread gives the same network). */
import { FaceClassifier, type FaceClassifierConfig } from './face-classifier.js';
import type { Network } from './network.js';
import { Ran, type RanConfig } from './ran.js';

export type NetworkConfig = FaceClassifierConfig | RanConfig;

export function createNetwork(config: NetworkConfig, seed: number): Network {
  switch (config.kind) {
    case 'face-classifier':
      return new FaceClassifier(config, seed);
    case 'ran':
      return new Ran(config, seed);
    default:
      throw new Error(`unknown network kind ${(config as { kind: string }).kind}`);
  }
}
