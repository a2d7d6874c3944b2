/**
 * The IResNet backbone (Deng et al., ArcFace): residual blocks BN-Conv3x3-BN-PReLU-Conv3x3(stride)-BN
 * plus a shortcut (identity, or Conv1x1(stride)-BN when the shape changes), after a Conv3x3-BN-PReLU stem.
 * `ResidualStages` is the block stack alone, so that a network can split the backbone (the RAN runs the
 * early stages once per face and the late stages once per region).
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

export class ResidualStages {
  private readonly blocks: Block[] = [];
  readonly outChannels: number;

  constructor(inChannels: number, stages: StageConfig[], s: Stores, prefix: string) {
    let cin = inChannels;
    stages.forEach((stage, si) => {
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

  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    let h = x;
    for (const b of this.blocks) {
      let r = batchNorm(h, b.bn1, ctx);
      r = conv(r, b.conv1);
      r = prelu(batchNorm(r, b.bn2, ctx), b.act);
      r = batchNorm(conv(r, b.conv2), b.bn3, ctx);
      const short = b.down ? batchNorm(conv(h, b.down.conv), b.down.bn, ctx) : h;
      h = tf.add(r, short);
    }
    return h;
  }

  /** Multiply-accumulate FLOPs (x2) for an h x w input; returns the FLOPs and the output size. */
  static flops(
    inChannels: number,
    stages: StageConfig[],
    h: number,
    w: number,
  ): { flops: number; h: number; w: number } {
    let flops = 0;
    let H = h;
    let W = w;
    let cin = inChannels;
    for (const stage of stages) {
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
    return { flops, h: H, w: W };
  }
}

export class IResNet {
  private readonly stem: { conv: ConvLayer; bn: BatchNormLayer; act: PReLULayer };
  private readonly stages: ResidualStages;
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
    this.stages = new ResidualStages(c0, config.stages, s, prefix);
    this.outChannels = this.stages.outChannels;
  }

  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    const h = prelu(batchNorm(conv(x, this.stem.conv), this.stem.bn, ctx), this.stem.act);
    return this.stages.forward(h, ctx);
  }

  /** Multiply-accumulate FLOPs (x2) of one forward pass for an input of `h` x `w`; and the output size. */
  static flops(config: IResNetConfig, h: number, w: number): { flops: number; h: number; w: number } {
    const H = Math.ceil(h / config.stemStride);
    const W = Math.ceil(w / config.stemStride);
    const stem = 2 * H * W * 9 * config.inChannels * config.stemChannels;
    const rest = ResidualStages.flops(config.stemChannels, config.stages, H, W);
    return { flops: stem + rest.flops, h: rest.h, w: rest.w };
  }
}
