/** The ONNX export against ranfer's own inference, on onnxruntime-node (CPU). */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.js';
import { exportOnnx } from '../../src/export/onnx-model.js';
import { EmotionNet } from '../../src/infer/emotion-net.js';
import { RAN_MFN } from '../../src/lab/train/presets.js';
import type { FaceClassifierConfig } from '../../src/model/face-classifier.js';
import type { ModelWeights } from '../../src/model/format.js';
import { loadModel, saveModel } from '../../src/model/io.js';
import type { RanConfig } from '../../src/model/ran.js';
import { DEFAULT_REGIONS } from '../../src/model/regions.js';
import { createNetwork, type NetworkConfig } from '../../src/model/registry.js';
import { Rng } from '../../src/util/rng.js';
import { ranfer } from '../cli/run.js';
import { TINY_RAN } from '../helpers.js';

let dir: string;
beforeAll(async () => {
  await initBackend('wasm');
  dir = await mkdtemp(path.join(os.tmpdir(), 'ranfer-onnx-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const PRIOR = { train: [0.34, 0.27, 0.12, 0.14, 0.09, 0.01, 0.03, 0.01], raw: 1, weight: 1 };

/**
 * A model folder of `config` with its initial weights times `scale`, random batch-norm scales and
 * statistics (so that no norm is the identity or zero), loaded back as a user would. (The untrained MobileFaceNet's activations
 * overflow at full scale.)
 */
async function model(name: string, config: NetworkConfig, seed: number, scale = 1): Promise<ModelWeights> {
  const net = createNetwork(config, seed);
  const rng = new Rng(seed);
  const layout = { params: net.params.layout(), state: net.state.layout() };
  const state = net.state.read();
  for (const p of layout.state)
    for (let i = p.offset; i < p.offset + p.size; i++)
      state[i] = p.name.endsWith('.var') ? rng.uniform(0.5, 1.5) : rng.uniform(-0.5, 0.5);
  const out = path.join(dir, name);
  const params = net.params.read();
  for (const p of layout.params)
    for (let i = p.offset; i < p.offset + p.size; i++) {
      if (p.name.endsWith('.w')) params[i] *= scale;
      // Norm scales start at 1 (0 for a residual block's last): make each one count.
      if (p.name.endsWith('.gamma')) params[i] = rng.uniform(0.5, 1.5);
    }
  await saveModel(out, config, layout, params, state, {}, PRIOR);
  net.dispose();
  return loadModel(out);
}

function faces(n: number, size: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  return Uint8Array.from({ length: n * size * size }, () => rng.int(0, 255));
}

async function runOnnx(bytes: Uint8Array, pixels: Uint8Array, size: number) {
  const session = await ort.InferenceSession.create(bytes);
  const n = pixels.length / (size * size);
  const out = await session.run({
    faces: new ort.Tensor('float32', Float32Array.from(pixels), [n, 1, size, size]),
  });
  await session.release();
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const MFN_RAN: RanConfig = (() => {
  const b = RAN_MFN.backbone;
  if (!b) throw new Error('RAN_MFN has a backbone');
  // 48x48 faces resized to 32x32 for the backbone (a 4x4 trunk map, 2x2 regions), with batch norms.
  return { ...RAN_MFN, regionSize: 2, backbone: { ...b, inputSize: 32, norm: true, lrScale: undefined } };
})();

const CLASSIFIER: FaceClassifierConfig = {
  kind: 'face-classifier',
  inputSize: 16,
  classes: 8,
  backbone: TINY_RAN.trunk,
};

describe('exportOnnx', () => {
  const cases: [string, NetworkConfig, number][] = [
    ['RAN, IResNet backbone, 6 regions (non-square crops resized)', TINY_RAN, 1],
    ['RAN, MobileFaceNet backbone with batch norms, resized input', MFN_RAN, 0.7],
    ['whole-face classifier', CLASSIFIER, 1],
  ];
  it.each(cases)(
    '%s: onnxruntime gives ranfer probabilities, logits and attention within 1e-4',
    async (name, config, scale) => {
      const weights = await model(`${name.split(',')[0].replace(/\W/g, '')}${config.kind}`, config, 5, scale);
      const net = new EmotionNet(weights);
      const size = net.size;
      const pixels = faces(6, size, 11);
      const mine = net.predict(pixels);
      const { bytes, signature } = exportOnnx(weights);
      const out = await runOnnx(bytes, pixels, size);
      expect(out.probabilities.dims).toEqual([6, 8]);
      expect(maxAbsDiff(out.probabilities.data as Float32Array, mine.probs)).toBeLessThan(1e-4);
      if (config.kind === 'ran') {
        expect(out.attention.dims).toEqual([6, config.regions.length]);
        expect(maxAbsDiff(out.attention.data as Float32Array, mine.attention as Float32Array)).toBeLessThan(
          1e-4,
        );
        expect(signature.regions).toEqual(config.regions.map((r) => r.name));
      } else {
        expect(out.attention).toBeUndefined();
      }
      // The probabilities are not all alike (a graph that ignored its input would pass the checks above
      // only if ranfer did too).
      const p = out.probabilities.data as Float32Array;
      expect(maxAbsDiff(p.subarray(0, 8), p.subarray(8, 16))).toBeGreaterThan(1e-6);
      net.dispose();
    },
  );

  it('keeps the relative precision of attention weights near zero (a saturated relation attention)', async () => {
    // Four regions, one face at a time: the shapes of the shipped model at batch 1.
    const regions = DEFAULT_REGIONS.filter((r) => ['face', 'lower', 'center', 'tight'].includes(r.name));
    const weights = await model('saturated', { ...TINY_RAN, regions }, 6);
    const bias = weights.manifest.params.find((p) => p.name === 'attention.relation.b');
    if (!bias) throw new Error('no relation-attention bias');
    weights.params[bias.offset] = -14; // nu ~ 1e-6, as trained RANs give some faces
    const net = new EmotionNet(weights);
    const bytes = exportOnnx(weights).bytes;
    for (let f = 0; f < 4; f++) {
      const pixels = faces(1, 16, 20 + f);
      const mine = net.predict(pixels);
      const out = await runOnnx(bytes, pixels, 16);
      const a = out.attention.data as Float32Array;
      const b = mine.attention as Float32Array;
      for (let i = 0; i < a.length; i++) {
        expect(b[i]).toBeLessThan(1e-3);
        expect(Math.abs(a[i] - b[i]) / b[i]).toBeLessThan(1e-4);
      }
      expect(maxAbsDiff(out.probabilities.data as Float32Array, mine.probs)).toBeLessThan(1e-5);
    }
    net.dispose();
  });

  it.each([
    ['slopes at most 1: max(x, alpha x)', 0.9, 'Max'],
    ['a slope above 1: the PRelu operator', 1.5, 'PRelu'],
  ])('writes PReLU with %s, within 1e-4 of ranfer', async (_name, top, op) => {
    const weights = await model(`prelu${op}`, TINY_RAN, 12);
    const rng = new Rng(12);
    const slopes = weights.manifest.params.filter((p) => p.name.endsWith('.alpha'));
    expect(slopes.length).toBeGreaterThan(0);
    for (const p of slopes) {
      for (let i = p.offset; i < p.offset + p.size; i++) weights.params[i] = rng.uniform(-0.8, 0.9);
      weights.params[p.offset] = top;
    }
    const bytes = exportOnnx(weights).bytes;
    const ops = onnxProto.onnx.ModelProto.decode(bytes).graph?.node?.map((n) => n.opType) ?? [];
    expect(ops.filter((o) => o === op)).toHaveLength(slopes.length);
    expect(ops.filter((o) => o === (op === 'Max' ? 'PRelu' : 'Max'))).toHaveLength(0);
    const net = new EmotionNet(weights);
    const pixels = faces(4, 16, 13);
    const out = await runOnnx(bytes, pixels, 16);
    const mine = net.predict(pixels);
    expect(maxAbsDiff(out.probabilities.data as Float32Array, mine.probs)).toBeLessThan(1e-4);
    expect(maxAbsDiff(out.attention.data as Float32Array, mine.attention as Float32Array)).toBeLessThan(1e-4);
    net.dispose();
  });

  it('bakes the chosen prior weight into the probabilities and leaves the logits raw', async () => {
    const weights = await model('prior', TINY_RAN, 8);
    const net = new EmotionNet(weights);
    const pixels = faces(4, 16, 3);
    const balanced = net.predict(pixels, { priorWeight: 0 });
    const plain = net.predict(pixels);
    const zero = await runOnnx(exportOnnx(weights, { priorWeight: 0 }).bytes, pixels, 16);
    const one = await runOnnx(exportOnnx(weights).bytes, pixels, 16);
    expect(maxAbsDiff(zero.probabilities.data as Float32Array, balanced.probs)).toBeLessThan(1e-4);
    expect(maxAbsDiff(one.probabilities.data as Float32Array, plain.probs)).toBeLessThan(1e-4);
    expect(maxAbsDiff(zero.probabilities.data as Float32Array, plain.probs)).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(zero.logits.data as Float32Array, one.logits.data as Float32Array)).toBe(0);
    net.dispose();
  });

  it('runs any batch size and writes its classes and prior weight into the metadata', async () => {
    const weights = await model('batch', TINY_RAN, 9);
    const { bytes, signature } = exportOnnx(weights, { priorWeight: 0.5 });
    const pixels = faces(3, 16, 4);
    const all = await runOnnx(bytes, pixels, 16);
    const first = await runOnnx(bytes, pixels.subarray(0, 256), 16);
    expect(
      maxAbsDiff(
        (all.probabilities.data as Float32Array).subarray(0, 8),
        first.probabilities.data as Float32Array,
      ),
    ).toBeLessThan(1e-6);
    expect(signature.priorWeight).toBe(0.5);
    const decoded = onnxProto.onnx.ModelProto.decode(bytes);
    const meta = Object.fromEntries(decoded.metadataProps.map((p) => [p.key, p.value]));
    expect(meta.classes).toBe('neutral,happiness,surprise,sadness,anger,disgust,fear,contempt');
    expect(meta.prior_weight).toBe('0.5');
    expect(Number(decoded.opsetImport[0].version)).toBe(17);
    expect(decoded.graph?.input?.map((i) => i.name)).toEqual(['faces']);
    expect(decoded.graph?.output?.map((o) => o.name)).toEqual(['probabilities', 'logits', 'attention']);
  });
});

describe('ranfer export', () => {
  it('writes a graph onnxruntime loads, and prints its signature', async () => {
    await model('cli', TINY_RAN, 2);
    const out = path.join(dir, 'cli.onnx');
    const r = await ranfer('export', out, '--model', path.join(dir, 'cli'), '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.input).toMatchObject({ name: 'faces', shape: ['batch', 1, 16, 16] });
    expect(info.outputs.map((o: { name: string }) => o.name)).toEqual([
      'probabilities',
      'logits',
      'attention',
    ]);
    const bytes = await readFile(out);
    expect(info.bytes).toBe(bytes.length);
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputNames).toEqual(['faces']);
    await session.release();
  });

  it('refuses an output that is not .onnx, and a folder without a model, in one line', async () => {
    const a = await ranfer('export', path.join(dir, 'x.txt'), '--model', path.join(dir, 'cli'));
    expect(a.code).toBe(1);
    expect(a.stderr.trim()).toBe(
      `ranfer: the output file should end in .onnx, got ${path.join(dir, 'x.txt')}`,
    );
    const b = await ranfer('export', path.join(dir, 'y.onnx'), '--model', path.join(dir, 'nothing'));
    expect(b.code).toBe(1);
    expect(b.stderr.trim().split('\n')).toHaveLength(1);
    expect(b.stderr).toContain('no model at');
  });
});
