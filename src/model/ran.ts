/**
 * The Region Attention Network (Wang et al., IEEE TIP 2020), sized for a CPU.
 *
 * - The early backbone stages (the trunk) run once per face; each region is cut from the trunk's
 *   feature map and resized to a common size, and the late stages (the tail, weights shared by all
 *   regions) encode every region into a feature F_i (global average pooling).
 * - Self-attention: mu_i = sigmoid(FC(F_i)); F_m = sum(mu_i F_i) / sum(mu_i).
 * - Relation attention: nu_i = sigmoid(FC([F_i : F_m])); P = sum(mu_i nu_i [F_i : F_m]) / sum(mu_i nu_i).
 * - Classifier: FC(P) over the emotions.
 * - Loss: cross-entropy on the target distribution (one-hot or PLD, optionally smoothed; optionally on
 *   logits shifted by tau * log(class prior), the logit-adjusted loss) plus lambda * L_RB,
 *   L_RB = max(0, margin - (max_{i>=1} mu_i - mu_0)), region 0 being the whole face.
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
import { IResNet, type IResNetConfig, ResidualStages, type StageConfig } from './iresnet.js';
import { MfnTail, MfnTrunk, type MobileFaceNetConfig } from './mobilefacenet.js';
import type { Batch, Network, Prediction } from './network.js';
import { INPUT_MEAN, INPUT_STD } from './preprocess.js';
import { cellsOf, cropBoxes, cropFixedRegions, type RegionBox } from './regions.js';

export interface RanConfig {
  kind: 'ran';
  /** Input face size (square, grey). */
  inputSize: number;
  classes: number;
  /** Stem and early stages, run once per face (the IResNet backbone; unused with `backbone`). */
  trunk: IResNetConfig;
  /** Late stages, run once per region (shared weights; unused with `backbone`). */
  tail: StageConfig[];
  /**
   * A MobileFaceNet backbone instead of the IResNet trunk and tail: its first stages run once per face,
   * the rest once per region (model/mobilefacenet.ts), starting from face-recognition weights when the
   * recipe says so.
   */
  backbone?: MobileFaceNetConfig;
  /** Side of every region on the trunk's feature map after resizing. */
  regionSize: number;
  /** Region 0 must be the whole face (the region biased loss compares the others against it). */
  regions: RegionBox[];
  rbLoss: { margin: number; weight: number };
  labelSmoothing: number;
  /**
   * Logit adjustment (Menon et al., ICLR 2021): per-class offsets tau * log(prior) added to the logits in
   * the loss only, so that the raw logits learn the class-balanced posterior. Absent: plain cross-entropy.
   */
  logitAdjust?: number[];
}

/** The parameter scope of a MobileFaceNet backbone (pretrained weights load under it). */
export const MFN_SCOPE = 'mfn';

/** A part of the backbone: the trunk (per face) or the tail (per region). */
interface Stage {
  readonly outChannels: number;
  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D;
}

export interface RanOutputs {
  logits: tf.Tensor2D;
  /** Self-attention weights mu, [N, k]. */
  mu: tf.Tensor2D;
  /** Relation-attention weights nu, [N, k]. */
  nu: tf.Tensor2D;
}

export class Ran implements Network {
  readonly params = new ParamStore(true);
  readonly state = new ParamStore(false);
  private readonly trunk: Stage;
  private readonly tail: Stage;
  private readonly tailBn: BatchNormLayer;
  private readonly selfAtt: DenseLayer;
  private readonly relAtt: DenseLayer;
  private readonly classifier: DenseLayer;
  readonly featureDim: number;

  constructor(
    readonly config: RanConfig,
    seed: number,
  ) {
    if (config.regions.length < 1) throw new Error('a RAN needs at least one region');
    const s = { params: this.params, state: this.state, rng: new Rng(seed) };
    const b = config.backbone;
    if (b) {
      const lr = b.lrScale ?? { trunk: 1, tail: 1 };
      const trunk = s.params.withLrScale(lr.trunk, () => new MfnTrunk(b, s, MFN_SCOPE));
      const tail = s.params.withLrScale(lr.tail, () => new MfnTail(b, trunk.outChannels, s, MFN_SCOPE));
      // The published network's input is 0..1 grey or colour: undo ranfer's normalisation first.
      this.trunk = {
        outChannels: trunk.outChannels,
        forward: (x, ctx) => trunk.forward(tf.add(tf.mul(x, INPUT_STD), INPUT_MEAN) as tf.Tensor4D, ctx),
      };
      this.tail = { outChannels: tail.outChannels, forward: (x, ctx) => tail.forward(x, ctx) };
    } else {
      this.trunk = new IResNet(config.trunk, s, 'trunk');
      this.tail = new ResidualStages(this.trunk.outChannels, config.tail, s, 'tail');
    }
    const d = this.tail.outChannels;
    this.featureDim = d;
    this.tailBn = declareBatchNorm(s, 'tail.bn', d);
    this.selfAtt = declareDense(s, 'attention.self', d, 1);
    this.relAtt = declareDense(s, 'attention.relation', 2 * d, 1);
    this.classifier = declareDense(s, 'classifier', 2 * d, config.classes);
  }

  get regionCount(): number {
    return this.config.regions.length;
  }

  /** Full forward pass; `boxes` (k per sample, normalised) replaces the fixed regions (landmark mode). */
  forward(x: tf.Tensor4D, ctx: ForwardContext, boxes?: Float32Array): RanOutputs {
    const n = x.shape[0];
    const k = this.regionCount;
    const d = this.featureDim;
    const map = this.trunk.forward(x, ctx);
    const crops = boxes
      ? cropBoxes(map, boxes, k, this.config.regionSize)
      : cropFixedRegions(map, this.config.regions, this.config.regionSize);
    // Ghost batches of the tail hold all k regions of bnGroup faces, as at inference.
    const tailCtx: ForwardContext = { ...ctx, bnGroup: ctx.bnGroup * k };
    const f = batchNorm(this.tail.forward(crops, tailCtx), this.tailBn, tailCtx);
    const feats = tf.reshape(tf.mean(f, [1, 2]), [n, k, d]) as tf.Tensor3D;

    return ranHead(feats, this.selfAtt, this.relAtt, this.classifier);
  }

  logits(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor2D {
    return this.forward(x, ctx).logits;
  }

  predict(x: tf.Tensor4D, ctx: ForwardContext, boxes?: Float32Array): Prediction {
    const { logits, mu, nu } = this.forward(x, ctx, boxes);
    return { logits, attention: tf.mul(mu, nu) as tf.Tensor2D, mu };
  }

  lossSum(batch: Batch, ctx: ForwardContext): tf.Scalar {
    const { logits, mu } = this.forward(batch.x, ctx);
    return ranLoss(logits, mu, batch.y, this.config);
  }

  flopsPerSample(): number {
    return ranFlops(this.config);
  }

  dispose(): void {
    this.params.dispose();
    this.state.dispose();
  }
}

/**
 * The attention head on region features F [N, k, d]:
 * mu = sigmoid(F W_s + b_s); F_m = sum(mu F) / sum(mu); nu = sigmoid([F_i : F_m] W_r + b_r);
 * P = [sum(mu nu F) / sum(mu nu) : F_m]; logits = P W_c + b_c.
 */
export function ranHead(
  feats: tf.Tensor3D,
  selfAtt: DenseLayer,
  relAtt: DenseLayer,
  classifier: DenseLayer,
): RanOutputs {
  const [n, k, d] = feats.shape;
  const flat = tf.reshape(feats, [n * k, d]) as tf.Tensor2D;
  const mu = tf.reshape(tf.sigmoid(dense(flat, selfAtt)), [n, k]) as tf.Tensor2D;
  const fm = tf.div(tf.sum(tf.mul(feats, tf.expandDims(mu, 2)), 1), tf.sum(mu, 1, true)) as tf.Tensor2D;
  // [F_i : F_m] W_r = F_i W_r[:d] + F_m W_r[d:], without tiling F_m k times.
  const wRel = relAtt.w as tf.Tensor2D;
  const onRegion = tf.matMul(flat, tf.slice(wRel, [0, 0], [d, 1])); // [N * k, 1]
  const onMean = tf.matMul(fm, tf.slice(wRel, [d, 0], [d, 1])); // [N, 1]
  const nu = tf.sigmoid(tf.add(tf.add(tf.reshape(onRegion, [n, k]), onMean), relAtt.b)) as tf.Tensor2D;
  // sum(mu nu [F_i : F_m]) / sum(mu nu) = [sum(mu nu F_i) / sum(mu nu) : F_m].
  const w = tf.mul(mu, nu);
  const fw = tf.div(tf.sum(tf.mul(feats, tf.expandDims(w, 2)), 1), tf.sum(w, 1, true)) as tf.Tensor2D;
  const logits = dense(tf.concat([fw, fm], 1) as tf.Tensor2D, classifier);
  return { logits, mu, nu };
}

/** Region biased loss per sample: max(0, margin - (max_{i>=1} mu_i - mu_0)); zero with one region. */
export function regionBiasedLoss(mu: tf.Tensor2D, margin: number): tf.Tensor1D {
  const k = mu.shape[1];
  if (k < 2) return tf.zeros([mu.shape[0]]);
  const whole = tf.reshape(tf.slice(mu, [0, 0], [-1, 1]), [-1]);
  const best = tf.max(tf.slice(mu, [0, 1], [-1, k - 1]), 1);
  return tf.relu(tf.sub(margin, tf.sub(best, whole))) as tf.Tensor1D;
}

/**
 * Summed loss of a batch: cross-entropy on (smoothed) targets, over logits plus the logit adjustment when
 * there is one, plus weight * region biased loss.
 */
export function ranLoss(
  logits: tf.Tensor2D,
  mu: tf.Tensor2D,
  targets: tf.Tensor2D,
  config: Pick<RanConfig, 'rbLoss' | 'labelSmoothing' | 'classes' | 'logitAdjust'>,
): tf.Scalar {
  const eps = config.labelSmoothing;
  const y = eps > 0 ? tf.add(tf.mul(targets, 1 - eps), eps / config.classes) : targets;
  const adjust = config.logitAdjust;
  if (adjust && adjust.length !== config.classes)
    throw new Error(`logitAdjust has ${adjust.length} offsets for ${config.classes} classes`);
  const z = adjust ? tf.add(logits, tf.tensor1d(adjust)) : logits;
  const ce = tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(z))));
  if (config.rbLoss.weight === 0) return ce as tf.Scalar;
  return tf.add(
    ce,
    tf.mul(config.rbLoss.weight, tf.sum(regionBiasedLoss(mu, config.rbLoss.margin))),
  ) as tf.Scalar;
}

/** Forward FLOPs per face: trunk once, tail once per region, attention and classifier. */
export function ranFlops(config: RanConfig): number {
  const b = config.backbone;
  let trunk: { flops: number; h: number };
  let tailFlops: number;
  let d: number;
  if (b) {
    trunk = MfnTrunk.flops(b);
    tailFlops = MfnTail.flops(b, MfnTrunk.outChannelsOf(b), config.regionSize, config.regionSize).flops;
    d = 512;
  } else {
    trunk = IResNet.flops(config.trunk, config.inputSize, config.inputSize);
    tailFlops = ResidualStages.flops(
      config.trunk.stages.at(-1)?.channels ?? config.trunk.stemChannels,
      config.tail,
      config.regionSize,
      config.regionSize,
    ).flops;
    d = config.tail.at(-1)?.channels ?? 0;
  }
  const k = config.regions.length;
  for (const r of config.regions) cellsOf(r.box, trunk.h);
  return trunk.flops + k * tailFlops + 2 * k * (d + 2 * d) + 2 * 2 * d * config.classes;
}
