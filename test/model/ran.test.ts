/** The RAN's attention maths and loss against hand computation, and gradient checks through the network. */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { RAN_DEFAULT, RAN_WIDE_TAIL } from '../../src/lab/train/presets.js';
import { Ran, type RanConfig, ranFlops, ranHead, ranLoss, regionBiasedLoss } from '../../src/model/ran.js';
import { inferenceContext, trainingContext } from '../../src/nn/context.js';
import { type DenseLayer, setNormKernelsEnabled } from '../../src/nn/layers.js';
import { maxAbs, maxAbsDiff, onBackend, seeded, values } from '../engine/backends.js';
import { TINY_RAN } from '../helpers.js';

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

function denseOf(w: number[][], b: number[]): DenseLayer {
  return { w: tf.variable(tf.tensor2d(w)), b: tf.variable(tf.tensor1d(b)) };
}

describe('RAN attention head', () => {
  it('matches a hand computation of mu, F_m, nu, P and the logits', async () => {
    // One face, k = 2 regions, d = 2 features, 2 classes.
    const F = [
      [1, 2],
      [3, -1],
    ];
    const ws = [[0.5], [-0.25]];
    const bs = 0.1;
    const wr = [[0.2], [0.1], [-0.3], [0.4]];
    const br = -0.05;
    const wc = [
      [1, 0],
      [0, 1],
      [0.5, -0.5],
      [-1, 2],
    ];
    const bc = [0.01, -0.02];
    const [logits, mu, nu] = await onBackend('cpu', () => {
      const out = ranHead(tf.tensor3d([F]), denseOf(ws, [bs]), denseOf(wr, [br]), denseOf(wc, bc));
      return values(out.logits, out.mu, out.nu);
    });
    const muH = F.map((f) => sigmoid(f[0] * ws[0][0] + f[1] * ws[1][0] + bs));
    const fm = [0, 1].map((j) => (muH[0] * F[0][j] + muH[1] * F[1][j]) / (muH[0] + muH[1]));
    const nuH = F.map((f) =>
      sigmoid(f[0] * wr[0][0] + f[1] * wr[1][0] + fm[0] * wr[2][0] + fm[1] * wr[3][0] + br),
    );
    const w = muH.map((m, i) => m * nuH[i]);
    // P = sum(w [F_i : F_m]) / sum(w), computed literally on the concatenated vectors.
    const cat = F.map((f) => [...f, ...fm]);
    const P = [0, 1, 2, 3].map((j) => (w[0] * cat[0][j] + w[1] * cat[1][j]) / (w[0] + w[1]));
    const logitsH = [0, 1].map((c) => P.reduce((s, p, j) => s + p * wc[j][c], bc[c]));
    expect(maxAbsDiff(mu, muH)).toBeLessThan(1e-6);
    expect(maxAbsDiff(nu, nuH)).toBeLessThan(1e-6);
    expect(maxAbsDiff(logits, logitsH)).toBeLessThan(1e-5);
  });
});

describe('losses', () => {
  it('region biased loss: max(0, margin - (max_{i>=1} mu_i - mu_0))', async () => {
    const [l] = await onBackend('cpu', () =>
      values(
        regionBiasedLoss(
          tf.tensor2d([
            [0.5, 0.7, 0.2], // a crop beats the face by 0.2 > margin: 0
            [0.6, 0.55, 0.3], // the face leads by 0.05: 0.1 + 0.05
            [0.4, 0.45, 0.1], // a crop leads by 0.05 < margin: 0.05
          ]),
          0.1,
        ),
      ),
    );
    expect(l.map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0, 0.15, 0.05]);
    const [single] = await onBackend('cpu', () => values(regionBiasedLoss(tf.tensor2d([[0.3]]), 0.1)));
    expect(single).toEqual([0]);
  });

  // Two faces, 3 classes, 2 regions.
  const logits = [
    [2, 0, -1],
    [0, 1, 0],
  ];
  const targets = [
    [1, 0, 0],
    [0, 0.5, 0.5],
  ];
  const mu = [
    [0.6, 0.55],
    [0.2, 0.9],
  ];
  /** Cross-entropy of (logits + shift) against targets mixed as t * (1 - eps) + eps / classes. */
  const crossEntropy = (shift: number[], eps: number) => {
    let sum = 0;
    logits.forEach((row, i) => {
      const z = row.map((v, c) => v + shift[c]);
      const lse = Math.log(z.reduce((a, v) => a + Math.exp(v), 0));
      z.forEach((v, c) => {
        sum -= (targets[i][c] * (1 - eps) + eps / 3) * (v - lse);
      });
    });
    return sum;
  };
  const loss = (config: Parameters<typeof ranLoss>[3]) =>
    onBackend('cpu', () =>
      values(ranLoss(tf.tensor2d(logits), tf.tensor2d(mu), tf.tensor2d(targets), config)),
    ).then(([v]) => v[0]);

  it('total loss = cross-entropy on smoothed targets + weight * summed RB loss', async () => {
    const total = await loss({ classes: 3, labelSmoothing: 0.3, rbLoss: { margin: 0.1, weight: 2 } });
    const rb = Math.max(0, 0.1 - (0.55 - 0.6)) + Math.max(0, 0.1 - (0.9 - 0.2));
    expect(total).toBeCloseTo(crossEntropy([0, 0, 0], 0.3) + 2 * rb, 5);
  });

  it('with a logit adjustment, the cross-entropy is that of logits + offsets', async () => {
    const config = { classes: 3, labelSmoothing: 0, rbLoss: { margin: 0.1, weight: 0 } };
    const adjust = [Math.log(0.7), Math.log(0.2), Math.log(0.1)];
    const plain = await loss(config);
    const adjusted = await loss({ ...config, logitAdjust: adjust });
    expect(plain).toBeCloseTo(crossEntropy([0, 0, 0], 0), 5);
    expect(adjusted).toBeCloseTo(crossEntropy(adjust, 0), 5);
    expect(adjusted).not.toBeCloseTo(plain, 2);
    await expect(loss({ ...config, logitAdjust: [0] })).rejects.toThrow(/1 offsets for 3 classes/);
  });
});

const tiny: RanConfig = {
  ...TINY_RAN,
  trunk: { ...TINY_RAN.trunk, stages: [{ channels: 6, blocks: 1, stride: 2 }] },
};

/** Loss and gradients of every parameter of a tiny RAN on a fixed batch. */
function ranGrads(): { loss: number; grads: number[][]; names: string[] } {
  const net = new Ran(tiny, 4);
  const x = tf.tensor4d(seeded(4 * 16 * 16, 9), [4, 16, 16, 1]);
  const yv = new Float32Array(32);
  for (let i = 0; i < 4; i++) yv[i * 8 + ((i * 3) % 8)] = 1;
  const y = tf.tensor2d(yv, [4, 8]);
  const ctx = trainingContext(2);
  const vars = net.params.variables() as tf.Variable[];
  const { value, grads } = tf.variableGrads(() => net.lossSum({ x, y }, ctx), vars);
  const names = net.params.layout().map((p) => p.name);
  const out = {
    loss: value.dataSync()[0],
    grads: vars.map((v) => Array.from(grads[v.name].dataSync())),
    names,
  };
  for (const s of ctx.stats) tf.dispose([s.mean, s.variance]);
  net.dispose();
  return out;
}

describe('gradient checks through the RAN', () => {
  it('the whole network: WASM (ranfer kernels) equals the CPU backend with stock ops for every parameter', async () => {
    const w = await onBackend('wasm', ranGrads);
    // The reference: the CPU backend with stock ops only (no ranfer kernels anywhere).
    setNormKernelsEnabled(false);
    const c = await onBackend('cpu', ranGrads).finally(() => setNormKernelsEnabled(true));
    expect(w.names).toEqual(c.names);
    expect(w.loss).toBeCloseTo(c.loss, 4);
    w.grads.forEach((g, i) => {
      expect(maxAbsDiff(g, c.grads[i]), w.names[i]).toBeLessThan(1e-3 * Math.max(1e-2, maxAbs(c.grads[i])));
    });
    // The attention and classifier weights do get gradient.
    const named = (n: string) => w.grads[w.names.indexOf(n)];
    expect(maxAbs(named('attention.self.w'))).toBeGreaterThan(0);
    expect(maxAbs(named('attention.relation.w'))).toBeGreaterThan(0);
  });

  it('the attention head agrees with finite differences', async () => {
    const d = 3;
    const k = 3;
    const feats = seeded(2 * k * d, 21);
    /** Loss of the head with features f and self-attention weights w (other weights fixed). */
    const headLoss = (f: tf.Tensor, w: tf.Tensor) => {
      const out = ranHead(
        f as tf.Tensor3D,
        { w: w as tf.Variable, b: tf.tensor1d([0.1]) as tf.Variable },
        {
          w: tf.tensor2d(seeded(2 * d, 22), [2 * d, 1]) as tf.Variable,
          b: tf.tensor1d([-0.1]) as tf.Variable,
        },
        {
          w: tf.tensor2d(seeded(2 * d * 4, 23), [2 * d, 4]) as tf.Variable,
          b: tf.tensor1d([0, 0.1, 0, -0.1]) as tf.Variable,
        },
      );
      const y = tf.tensor2d([1, 0, 0, 0, 0, 0, 1, 0], [2, 4]);
      return ranLoss(out.logits, out.mu, y, {
        classes: 4,
        labelSmoothing: 0,
        rbLoss: { margin: 0.5, weight: 1 },
      });
    };
    const lossAt = (f: Float32Array, wsv: Float32Array) =>
      tf.tidy(() => headLoss(tf.tensor3d(f, [2, k, d]), tf.tensor2d(wsv, [d, 1])));
    const ws = seeded(d, 24);
    const [gf, gw] = await onBackend('cpu', () =>
      values(
        ...tf.grads(headLoss as (...t: tf.Tensor[]) => tf.Tensor)([
          tf.tensor3d(feats, [2, k, d]),
          tf.tensor2d(ws, [d, 1]),
        ]),
      ),
    );
    const eps = 1e-2;
    await onBackend('cpu', () => {
      for (let i = 0; i < feats.length; i++) {
        const p = Float32Array.from(feats);
        const m = Float32Array.from(feats);
        p[i] += eps;
        m[i] -= eps;
        const numeric = (lossAt(p, ws).dataSync()[0] - lossAt(m, ws).dataSync()[0]) / (2 * eps);
        expect(Math.abs(numeric - gf[i])).toBeLessThan(5e-3 * Math.max(1, Math.abs(gf[i])));
      }
      for (let i = 0; i < ws.length; i++) {
        const p = Float32Array.from(ws);
        const m = Float32Array.from(ws);
        p[i] += eps;
        m[i] -= eps;
        const numeric = (lossAt(feats, p).dataSync()[0] - lossAt(feats, m).dataSync()[0]) / (2 * eps);
        expect(Math.abs(numeric - gw[i])).toBeLessThan(5e-3 * Math.max(1, Math.abs(gw[i])));
      }
      return [];
    });
  });
});

/** Class probabilities and attention of a freshly initialised network on two random faces. */
function predictTwoFaces(config: RanConfig, seed: number): Promise<number[][]> {
  return onBackend('wasm', () => {
    const net = new Ran(config, 1);
    const p = net.predict(tf.tensor4d(seeded(2 * 48 * 48, seed), [2, 48, 48, 1]), inferenceContext());
    const out = values(tf.softmax(p.logits), p.attention as tf.Tensor);
    net.dispose();
    return out;
  });
}

describe('the default RAN', () => {
  it('costs about 230 MFLOP per face and predicts a distribution with attention over 6 regions', async () => {
    expect(ranFlops(RAN_DEFAULT) / 1e6).toBeCloseTo(229.9, 1);
    const [probs, att] = await predictTwoFaces(RAN_DEFAULT, 5);
    expect(probs.length).toBe(16);
    expect(probs.slice(0, 8).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(att.length).toBe(12);
    expect(att.every((v) => v > 0 && v < 1)).toBe(true);
  });
});

describe('the wide-tail RAN', () => {
  it('drops the upper corner crops, costs less than the default and attends over 4 regions', async () => {
    expect(RAN_WIDE_TAIL.regions.map((r) => r.name)).toEqual(['face', 'lower', 'center', 'tight']);
    expect(ranFlops(RAN_WIDE_TAIL) / 1e6).toBeCloseTo(223.8, 1);
    const [probs, att] = await predictTwoFaces(RAN_WIDE_TAIL, 6);
    expect(probs.slice(8).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(att.length).toBe(8);
  });
});
