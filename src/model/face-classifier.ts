/**
 * A plain residual classifier: IResNet backbone on the whole face, global average pooling, a linear
 * layer. It is the "whole face only" baseline of the RAN ablation and the engine benchmark's network.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ForwardContext } from '../nn/context.js';
import {
  type BatchNormLayer,
  batchNorm,
  type DenseLayer,
  declareBatchNorm,
  declareDense,
  dense,
} from '../nn/layers.js';
import { ParamStore } from '../nn/params.js';
import { Rng } from '../util/rng.js';
import { IResNet, type IResNetConfig } from './iresnet.js';
import type { Batch, Network, Prediction } from './network.js';

export interface FaceClassifierConfig {
  kind: 'face-classifier';
  inputSize: number;
  classes: number;
  backbone: IResNetConfig;
}

export class FaceClassifier implements Network {
  readonly params = new ParamStore(true);
  readonly state = new ParamStore(false);
  private readonly backbone: IResNet;
  private readonly bn: BatchNormLayer;
  private readonly fc: DenseLayer;

  constructor(
    readonly config: FaceClassifierConfig,
    seed: number,
  ) {
    const s = { params: this.params, state: this.state, rng: new Rng(seed) };
    this.backbone = new IResNet(config.backbone, s);
    this.bn = declareBatchNorm(s, 'head.bn', this.backbone.outChannels);
    this.fc = declareDense(s, 'head.fc', this.backbone.outChannels, config.classes);
  }

  logits(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor2D {
    const f = batchNorm(this.backbone.forward(x, ctx), this.bn, ctx);
    return dense(tf.mean(f, [1, 2]) as tf.Tensor2D, this.fc);
  }

  predict(x: tf.Tensor4D, ctx: ForwardContext): Prediction {
    return { logits: this.logits(x, ctx) };
  }

  lossSum(batch: Batch, ctx: ForwardContext): tf.Scalar {
    const logp = tf.logSoftmax(this.logits(batch.x, ctx));
    return tf.neg(tf.sum(tf.mul(batch.y, logp))) as tf.Scalar;
  }

  flopsPerSample(): number {
    const c = this.backbone.outChannels;
    return (
      IResNet.flops(this.config.backbone, this.config.inputSize, this.config.inputSize).flops +
      2 * c * this.config.classes
    );
  }

  dispose(): void {
    this.params.dispose();
    this.state.dispose();
  }
}
