/**
 * A trained ranfer model as an ONNX graph (opset 17), for engines other than TensorFlow.js: ONNX Runtime
 * (CPU, CUDA, TensorRT), NVIDIA Triton's ONNX backend, ONNX Runtime Web.
 *
 * The graph mirrors the networks of `model/` layer by layer in inference mode (batch norm from its running
 * statistics), reading each weight by its parameter name:
 *
 * - input `faces`: float32 [batch, 1, size, size], aligned grey faces as pixel values 0..255 (the same
 *   48x48 crops `EmotionNet.predict` takes); the normalisation is part of the graph;
 * - output `probabilities`: [batch, classes], the softmax of the logits shifted by the class prior with
 *   the weight chosen at export (the model's own by default), as `EmotionNet.predict` without flip TTA;
 * - output `logits`: [batch, classes], the network's raw logits;
 * - output `attention` (RAN only): [batch, regions], the attention weights mu * nu of the fixed regions.
 *
 * The RAN's landmark mode (per-face region boxes) is not exported: the graph cuts the fixed regions.
 */
import type { ModelWeights } from '../model/format.js';
import type { IResNetConfig, StageConfig } from '../model/iresnet.js';
import { MFN_STAGES, type MfnStage, type MobileFaceNetConfig } from '../model/mobilefacenet.js';
import { priorShift } from '../model/prior.js';
import { MFN_SCOPE, type RanConfig } from '../model/ran.js';
import { cellsOf } from '../model/regions.js';
import type { ParamInfo } from '../nn/params.js';
import { type Dim, OnnxGraph, toOihw } from './onnx-graph.js';

export interface OnnxExportOptions {
  /** Weight of the training data's class prior in `probabilities` (default: the model's own). */
  priorWeight?: number;
}

/** What the exported graph takes and gives, for documentation and serving configurations. */
export interface OnnxSignature {
  input: { name: 'faces'; shape: Dim[]; description: string };
  outputs: { name: string; shape: Dim[]; description: string }[];
  classes: readonly string[];
  regions: string[];
  priorWeight: number | null;
}

export interface OnnxExport {
  bytes: Uint8Array;
  signature: OnnxSignature;
}

/** The batch-norm epsilon of `nn/layers.ts`. */
const BN_EPS = 1e-5;

/** A feature map flowing through the graph: its value name, channels, height and width. */
interface Map {
  v: string;
  c: number;
  h: number;
  w: number;
}

/** Looks weights up by parameter name, in the layouts ONNX expects. */
class Weights {
  private readonly byName = new Map<string, { info: ParamInfo; data: Float32Array }>();

  constructor(model: ModelWeights) {
    for (const info of model.manifest.params)
      this.byName.set(info.name, { info, data: model.params.subarray(info.offset, info.offset + info.size) });
    for (const info of model.manifest.state)
      this.byName.set(info.name, { info, data: model.state.subarray(info.offset, info.offset + info.size) });
  }

  get(name: string): { shape: number[]; data: Float32Array } {
    const p = this.byName.get(name);
    if (!p) throw new Error(`the model has no parameter ${name}`);
    return { shape: p.info.shape, data: p.data };
  }
}

/** Emits the layers of `model/` into a graph. */
class Emitter {
  constructor(
    readonly g: OnnxGraph,
    private readonly w: Weights,
  ) {}

  /** A constant [C, 1, 1] (per channel of an NCHW map) from a vector parameter. */
  private perChannel(name: string): string {
    const p = this.w.get(name);
    return this.g.float(name, p.data, [p.data.length, 1, 1]);
  }

  /** Convolution with tfjs's 'same' padding; weights [k, k, cin, cout] become [cout, cin, k, k]. */
  conv(x: Map, name: string, stride: number, bias?: string): Map {
    const { shape, data } = this.w.get(`${name}.w`);
    const [k, , cin, cout] = shape;
    const t = toOihw(data, shape);
    const inputs = [x.v, this.g.float(`${name}.w`, t, [cout, cin, k, k])];
    if (bias) inputs.push(this.g.float(bias, this.w.get(bias).data, [cout]));
    const { pads, h, w } = padding(x, k, stride);
    const v = this.g.node('Conv', inputs, { kernel_shape: [k, k], strides: [stride, stride], pads }, name);
    return { v, c: cout, h, w };
  }

  /** Depthwise convolution: weights [k, k, C, 1] become [C, 1, k, k] with one group per channel. */
  depthwise(x: Map, name: string, stride: number, bias: string): Map {
    const { shape, data } = this.w.get(`${name}.w`);
    const [k, , c] = shape;
    const t = toOihw(data, [k, k, 1, c]);
    const { pads, h, w } = padding(x, k, stride);
    const v = this.g.node(
      'Conv',
      [x.v, this.g.float(`${name}.w`, t, [c, 1, k, k]), this.g.float(bias, this.w.get(bias).data, [c])],
      { kernel_shape: [k, k], strides: [stride, stride], pads, group: c },
      name,
    );
    return { v, c, h, w };
  }

  /** Inference batch norm from the running statistics (`${name}.gamma/.beta/.mean/.var`). */
  batchNorm(x: Map, name: string): Map {
    const vec = (s: string) => this.g.float(`${name}.${s}`, this.w.get(`${name}.${s}`).data, [x.c]);
    const v = this.g.node(
      'BatchNormalization',
      [x.v, vec('gamma'), vec('beta'), vec('mean'), vec('var')],
      { epsilon: BN_EPS },
      `${name}.bn`,
    );
    return { ...x, v };
  }

  /**
   * PReLU. With every slope at most 1 it is written max(x, alpha x), the same values: ONNX Runtime's CPU
   * PRelu broadcasts its slope element by element, several times slower than Mul and Max.
   */
  prelu(x: Map, alpha: string): Map {
    const slopes = this.perChannel(alpha);
    if (this.w.get(alpha).data.some((a) => a > 1))
      return { ...x, v: this.g.node('PRelu', [x.v, slopes], {}, alpha) };
    return { ...x, v: this.g.node('Max', [x.v, this.g.node('Mul', [x.v, slopes])], {}, alpha) };
  }

  relu(x: Map): Map {
    return { ...x, v: this.g.node('Relu', [x.v]) };
  }

  add(a: Map, b: Map): Map {
    return { ...a, v: this.g.node('Add', [a.v, b.v]) };
  }

  /** x W + b for a dense layer's parameters `${name}.w` [cin, cout] and `${name}.b`. */
  dense(x: string, name: string): string {
    const w = this.w.get(`${name}.w`);
    const b = this.w.get(`${name}.b`);
    const y = this.g.node('MatMul', [x, this.g.float(`${name}.w`, w.data, w.shape)]);
    return this.g.node('Add', [y, this.g.float(`${name}.b`, b.data, b.shape)], {}, name);
  }

  /** The relation-attention weights split into the region half (rows 0..d) or the mean half (d..2d). */
  denseRows(name: string, from: number, to: number): string {
    const w = this.w.get(`${name}.w`);
    const cols = w.shape[1];
    return this.g.float(`${name}.w${from}`, w.data.subarray(from * cols, to * cols), [to - from, cols]);
  }

  vector(name: string): string {
    const p = this.w.get(name);
    return this.g.float(name, p.data, p.shape);
  }

  /** Bilinear resizing with half-pixel centres (as `tf.image.resizeBilinear(x, size, false, true)`). */
  resize(x: Map, size: number): Map {
    if (x.h === size && x.w === size) return x;
    // Opset 17's sizes name every axis: the batch and channel sizes come from the input's shape.
    const g = this.g;
    const nc = g.node('Slice', [g.node('Shape', [x.v]), g.int64('zero', [0]), g.int64('two', [2])]);
    const sizes = g.node('Concat', [nc, g.int64('size', [size, size])], { axis: 0 });
    const v = g.node('Resize', [x.v, '', '', sizes], {
      mode: 'linear',
      coordinate_transformation_mode: 'half_pixel',
    });
    return { ...x, v, h: size, w: size };
  }
}

/** tfjs's 'same' padding of a k x k filter of `stride` on `x`: ONNX pads [top, left, bottom, right] and the output size. */
function padding(
  x: { h: number; w: number },
  k: number,
  stride: number,
): { pads: number[]; h: number; w: number } {
  const side = (n: number) => {
    const out = Math.ceil(n / stride);
    const total = Math.max((out - 1) * stride + k - n, 0);
    return { out, before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
  };
  const y = side(x.h);
  const xx = side(x.w);
  return { pads: [y.before, xx.before, y.after, xx.after], h: y.out, w: xx.out };
}

/** IResNet residual stages (`model/iresnet.ts`), parameters under `${prefix}.s{i}.b{j}`. */
function residualStages(e: Emitter, x: Map, stages: StageConfig[], prefix: string): Map {
  let h = x;
  stages.forEach((stage, si) => {
    for (let b = 0; b < stage.blocks; b++) {
      const name = `${prefix}.s${si}.b${b}`;
      const stride = b === 0 ? stage.stride : 1;
      let r = e.batchNorm(h, `${name}.bn1`);
      r = e.conv(r, `${name}.conv1`, 1);
      r = e.prelu(e.batchNorm(r, `${name}.bn2`), `${name}.act.alpha`);
      r = e.batchNorm(e.conv(r, `${name}.conv2`, stride), `${name}.bn3`);
      const short =
        stride !== 1 || h.c !== stage.channels
          ? e.batchNorm(e.conv(h, `${name}.down`, stride), `${name}.down.bn`)
          : h;
      h = e.add(r, short);
    }
  });
  return h;
}

function iresnet(e: Emitter, x: Map, config: IResNetConfig, prefix: string): Map {
  let h = e.conv(x, `${prefix}.stem.conv`, config.stemStride);
  h = e.prelu(e.batchNorm(h, `${prefix}.stem.bn`), `${prefix}.stem.act.alpha`);
  return residualStages(e, h, config.stages, prefix);
}

/** One MobileFaceNet convolution with its bias, optional batch norm and optional PReLU. */
function mfnConv(e: Emitter, x: Map, path: string, stride: number, norm: boolean, act: boolean): Map {
  let y = e.conv(x, path, stride, `${path}.b`);
  if (norm) y = e.batchNorm(y, `${path}.bn`);
  return act ? e.prelu(y, `${path}.alpha`) : y;
}

function mfnDepthwise(e: Emitter, x: Map, path: string, stride: number, norm: boolean): Map {
  let y = e.depthwise(x, path, stride, `${path}.b`);
  if (norm) y = e.batchNorm(y, `${path}.bn`);
  return e.relu(y);
}

function mfnStages(
  e: Emitter,
  x: Map,
  stages: readonly MfnStage[],
  norm: boolean,
  firstStride?: number,
): Map {
  let h = x;
  stages.forEach((st, si) => {
    for (let i = 0; i < st.blocks; i++) {
      const path = `${MFN_SCOPE}.${st.prefix}_InvResBlock_${i}`;
      const stride = i === 0 ? (si === 0 && firstStride !== undefined ? firstStride : st.stride) : 1;
      let y = mfnConv(e, h, `${path}/Conv`, 1, norm, true);
      y = mfnDepthwise(e, y, `${path}/SeparableConv2d`, stride, norm);
      y = mfnConv(e, y, `${path}/Conv_1`, 1, norm, false);
      h = stride === 1 && h.c === st.channels ? e.add(y, h) : y;
    }
  });
  return h;
}

function mfnTrunk(e: Emitter, x: Map, b: MobileFaceNetConfig): Map {
  const norm = b.norm === true;
  let h = e.resize(x, b.inputSize);
  h = mfnConv(e, h, `${MFN_SCOPE}.Conv2d_0`, 2, norm, true);
  h = mfnDepthwise(e, h, `${MFN_SCOPE}.SeparableConv2d`, 1, norm);
  h = mfnConv(e, h, `${MFN_SCOPE}.Conv`, 1, norm, false);
  return mfnStages(e, h, MFN_STAGES.slice(0, b.trunkStages), norm);
}

function mfnTail(e: Emitter, x: Map, b: MobileFaceNetConfig): Map {
  const norm = b.norm === true;
  const h = mfnStages(e, x, MFN_STAGES.slice(b.trunkStages), norm, b.tailStride);
  return mfnConv(e, h, `${MFN_SCOPE}.Conv2d_7`, 1, norm, true);
}

/** The RAN (`model/ran.ts`) on normalised faces; returns the logits [N, classes] and attention [N, k]. */
function ran(e: Emitter, x: Map, config: RanConfig): { logits: string; attention: string } {
  const g = e.g;
  const b = config.backbone;
  let map: Map;
  if (b) {
    if (b.inChannels !== 1) throw new Error('ONNX export supports grey (1-channel) MobileFaceNet backbones');
    // The published network's input is 0..1: undo the normalisation (x * std + mean).
    const unnormalised = g.node('Add', [
      g.node('Mul', [x.v, g.float('input_std', [0.25], [])]),
      g.float('input_mean', [0.5], []),
    ]);
    map = mfnTrunk(e, { ...x, v: unnormalised }, b);
  } else {
    map = iresnet(e, x, config.trunk, 'trunk');
  }
  // Regions cut from the trunk's map, resized to regionSize, in sample-major order [N * k, C, s, s].
  const s = config.regionSize;
  const k = config.regions.length;
  const crops = config.regions.map((r) => {
    const [t, l, hh, ww] = cellsOf(r.box, map.h);
    const cut = g.node(
      'Slice',
      [map.v, g.int64('starts', [t, l]), g.int64('ends', [t + hh, l + ww]), g.int64('axes', [2, 3])],
      {},
      `region.${r.name}`,
    );
    const sized = e.resize({ v: cut, c: map.c, h: hh, w: ww }, s);
    return g.node('Unsqueeze', [sized.v, g.int64('axis1', [1])]);
  });
  const stacked = k > 1 ? g.node('Concat', crops, { axis: 1 }, 'regions') : crops[0];
  const batch = g.node('Reshape', [stacked, g.int64('shape', [-1, map.c, s, s])]);
  const tailOut = b
    ? mfnTail(e, { v: batch, c: map.c, h: s, w: s }, b)
    : residualStages(e, { v: batch, c: map.c, h: s, w: s }, config.tail, 'tail');
  const d = tailOut.c;
  const normed = e.batchNorm(tailOut, 'tail.bn');
  const pooled = g.node('GlobalAveragePool', [normed.v]);
  const feats = g.node('Reshape', [pooled, g.int64('shape', [-1, k, d])], {}, 'features'); // [N, k, d]
  return ranHead(e, feats, k, d);
}

/**
 * sigmoid(x) as 1 / (1 + exp(-x)): ONNX Runtime's Sigmoid kernel is exact only to ~6e-8 absolute, which
 * is a large relative error on the attention weights of regions the network all but ignores (nu ~ 1e-5),
 * and the head divides by their sum.
 */
function preciseSigmoid(g: OnnxGraph, x: string, out: string): string {
  const one = g.float('one', [1], []);
  return g.node('Div', [one, g.node('Add', [one, g.node('Exp', [g.node('Neg', [x])])])], {}, out);
}

/** The attention head of `ranHead` (model/ran.ts) on features [N, k, d]. */
function ranHead(e: Emitter, feats: string, k: number, d: number): { logits: string; attention: string } {
  const g = e.g;
  const axis1 = g.int64('axes', [1]);
  const weightedMean = (weights: string, hint: string) =>
    g.node(
      'Div',
      [
        g.node('ReduceSum', [g.node('Mul', [feats, weights]), axis1], { keepdims: 0 }),
        g.node('ReduceSum', [weights, axis1], { keepdims: 0 }),
      ],
      {},
      hint,
    );
  // mu = sigmoid(F W_s + b_s), [N, k, 1]; F_m = sum(mu F) / sum(mu), [N, d].
  const mu = preciseSigmoid(g, e.dense(feats, 'attention.self'), 'mu');
  const fm = weightedMean(mu, 'f_m');
  // nu = sigmoid(F_i W_r[:d] + F_m W_r[d:] + b_r), [N, k, 1].
  const onRegion = g.node('MatMul', [feats, e.denseRows('attention.relation', 0, d)]);
  const onMean = g.node('Unsqueeze', [
    g.node('MatMul', [fm, e.denseRows('attention.relation', d, 2 * d)]),
    g.int64('axis1', [1]),
  ]);
  const nu = preciseSigmoid(
    g,
    g.node('Add', [g.node('Add', [onRegion, onMean]), e.vector('attention.relation.b')]),
    'nu',
  );
  const w = g.node('Mul', [mu, nu]);
  const fw = weightedMean(w, 'f_w');
  const p = g.node('Concat', [fw, fm], { axis: 1 }, 'p');
  const logits = e.dense(p, 'classifier');
  const attention = g.node('Reshape', [w, g.int64('shape', [-1, k])]);
  return { logits, attention };
}

/** Writes `model` as an ONNX graph (see the module comment for its inputs and outputs). */
export function exportOnnx(model: ModelWeights, options: OnnxExportOptions = {}): OnnxExport {
  const m = model.manifest;
  const net = m.network;
  const size = m.input.size;
  const classes = m.classes.length;
  const g = new OnnxGraph();
  const e = new Emitter(g, new Weights(model));

  const faces = g.input(
    'faces',
    ['batch', 1, size, size],
    `aligned grey faces, ${size}x${size}, pixel values 0..255`,
  );
  // x = (pixel / 255 - mean) / std, as model/preprocess.ts.
  const a = 1 / (255 * m.input.std);
  const bias = -m.input.mean / m.input.std;
  const x: Map = {
    v: g.node(
      'Add',
      [g.node('Mul', [faces, g.float('scale', [a], [])]), g.float('shift', [bias], [])],
      {},
      'normalised',
    ),
    c: 1,
    h: size,
    w: size,
  };

  let logits: string;
  let attention: string | undefined;
  if (net.kind === 'ran') {
    ({ logits, attention } = ran(e, x, net));
  } else {
    const h = e.batchNorm(iresnet(e, x, net.backbone, 'backbone'), 'head.bn');
    const pooled = g.node('Reshape', [g.node('GlobalAveragePool', [h.v]), g.int64('shape', [-1, h.c])]);
    logits = e.dense(pooled, 'head.fc');
  }

  const shift = priorShift(m.prior, options.priorWeight);
  const shifted = shift ? g.node('Add', [logits, g.float('prior_shift', shift, [classes])]) : logits;
  const probabilities = g.node('Softmax', [shifted], { axis: -1 });
  const priorWeight = m.prior ? (options.priorWeight ?? m.prior.weight) : null;
  const regions = net.kind === 'ran' ? net.regions.map((r) => r.name) : [];

  const signature: OnnxSignature = {
    input: {
      name: 'faces',
      shape: ['batch', 1, size, size],
      description: `aligned grey faces, pixel values 0..255`,
    },
    outputs: [
      {
        name: 'probabilities',
        shape: ['batch', classes],
        description:
          priorWeight === null
            ? 'softmax of the logits'
            : `softmax of the logits with the class prior at weight ${priorWeight}`,
      },
      { name: 'logits', shape: ['batch', classes], description: 'raw logits' },
      ...(attention
        ? [
            {
              name: 'attention',
              shape: ['batch', regions.length] as Dim[],
              description: 'region attention mu * nu',
            },
          ]
        : []),
    ],
    classes: m.classes,
    regions,
    priorWeight,
  };
  for (const o of signature.outputs) {
    const value =
      o.name === 'probabilities' ? probabilities : o.name === 'logits' ? logits : (attention as string);
    g.output(value, o.name, o.shape, o.description);
  }
  const bytes = g.encode(
    'ranfer',
    {
      classes: m.classes.join(','),
      regions: regions.join(','),
      input: `faces: float32 [batch, 1, ${size}, ${size}], aligned grey faces, pixel values 0..255`,
      prior_weight: priorWeight === null ? '' : String(priorWeight),
      weights_sha1: m.sha1,
    },
    'ranfer facial emotion recognition (Region Attention Network)',
  );
  return { bytes, signature };
}
