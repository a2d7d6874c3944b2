/**
 * The IResNet backbone (Deng et al., ArcFace): residual blocks BN-Conv3x3-BN-PReLU-Conv3x3(stride)-BN
 * plus a shortcut (identity, or Conv1x1(stride)-BN when the shape changes), after a Conv3x3-BN-PReLU stem.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ForwardContext } from '../nn/context.js';
import {
  type BatchNormLayer,
  batchNorm,
  type ConvLayer,
  conv,
  declareBatchNorm,
  declareConv,
  declarePReLU,
  type PReLULayer,
  prelu,
  type Stores,
} from '../nn/layers.js';

export interface StageConfig {
  channels: number;
  blocks: number;
  /** Stride of the stage's first block (2 halves the resolution). */
  stride: number;
}

export interface IResNetConfig {
  inChannels: number;
  stemChannels: number;
  /** Stride of the stem convolution. */
  stemStride: number;
  stages: StageConfig[];
}

interface Block {
  bn1: BatchNormLayer;
  conv1: ConvLayer;
  bn2: BatchNormLayer;
  act: PReLULayer;
  conv2: ConvLayer;
  bn3: BatchNormLayer;
  down?: { conv: ConvLayer; bn: BatchNormLayer };
}

export class IResNet {
  private readonly stem: { conv: ConvLayer; bn: BatchNormLayer; act: PReLULayer };
  private readonly blocks: Block[] = [];
  readonly outChannels: number;

  constructor(
    readonly config: IResNetConfig,
    s: Stores,
    prefix = 'backbone',
  ) {
    const c0 = config.stemChannels;
    this.stem = {
      conv: declareConv(s, `${prefix}.stem.conv`, 3, config.inChannels, c0, config.stemStride),
      bn: declareBatchNorm(s, `${prefix}.stem.bn`, c0),
      act: declarePReLU(s, `${prefix}.stem.act`, c0),
    };
    let cin = c0;
    config.stages.forEach((stage, si) => {
      for (let b = 0; b < stage.blocks; b++) {
        const name = `${prefix}.s${si}.b${b}`;
        const stride = b === 0 ? stage.stride : 1;
        const cout = stage.channels;
        const block: Block = {
          bn1: declareBatchNorm(s, `${name}.bn1`, cin),
          conv1: declareConv(s, `${name}.conv1`, 3, cin, cout, 1),
          bn2: declareBatchNorm(s, `${name}.bn2`, cout),
          act: declarePReLU(s, `${name}.act`, cout),
          conv2: declareConv(s, `${name}.conv2`, 3, cout, cout, stride),
          // Zero-init of the last BN's scale makes each block start as the identity (Goyal et al. 2017).
          bn3: declareBatchNorm(s, `${name}.bn3`, cout, 0),
        };
        if (stride !== 1 || cin !== cout) {
          block.down = {
            conv: declareConv(s, `${name}.down`, 1, cin, cout, stride),
            bn: declareBatchNorm(s, `${name}.down.bn`, cout),
          };
        }
        this.blocks.push(block);
        cin = cout;
      }
    });
    this.outChannels = cin;
  }

  /** Stem only: the shared early feature map. */
  stemForward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    return prelu(batchNorm(conv(x, this.stem.conv), this.stem.bn, ctx), this.stem.act);
  }

  /** Residual blocks `from` (inclusive) to `to` (exclusive) over a feature map. */
  blocksForward(x: tf.Tensor4D, ctx: ForwardContext, from = 0, to = this.blocks.length): tf.Tensor4D {
    let h = x;
    for (const b of this.blocks.slice(from, to)) {
      let r = batchNorm(h, b.bn1, ctx);
      r = conv(r, b.conv1);
      r = prelu(batchNorm(r, b.bn2, ctx), b.act);
      r = batchNorm(conv(r, b.conv2), b.bn3, ctx);
      const short = b.down ? batchNorm(conv(h, b.down.conv), b.down.bn, ctx) : h;
      h = tf.add(r, short);
    }
    return h;
  }

  get blockCount(): number {
    return this.blocks.length;
  }

  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    return this.blocksForward(this.stemForward(x, ctx), ctx);
  }

  /** Multiply-accumulate FLOPs (x2) of one forward pass for an input of `h` x `w`. */
  static flops(config: IResNetConfig, h: number, w: number): number {
    let flops = 0;
    let H = Math.ceil(h / config.stemStride);
    let W = Math.ceil(w / config.stemStride);
    flops += 2 * H * W * 9 * config.inChannels * config.stemChannels;
    let cin = config.stemChannels;
    for (const stage of config.stages) {
      for (let b = 0; b < stage.blocks; b++) {
        const stride = b === 0 ? stage.stride : 1;
        const cout = stage.channels;
        flops += 2 * H * W * 9 * cin * cout;
        const H2 = Math.ceil(H / stride);
        const W2 = Math.ceil(W / stride);
        flops += 2 * H2 * W2 * 9 * cout * cout;
        if (stride !== 1 || cin !== cout) flops += 2 * H2 * W2 * cin * cout;
        H = H2;
        W = W2;
        cin = cout;
      }
    }
    return flops;
  }
}
