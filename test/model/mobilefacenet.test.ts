/**
 * The MobileFaceNet port against the published graph model it imports: the same embeddings within 1e-4 on
 * real faces, on WASM; the one-channel variant equal on grey faces; and the FLOP count.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tfjs from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.js';
import { applyPretrained, mobileFaceNetModelFile, readGraphWeights } from '../../src/lab/train/pretrained.js';
import { MfnTail, MfnTrunk, MobileFaceNet, type MobileFaceNetConfig } from '../../src/model/mobilefacenet.js';
import { ParamStore } from '../../src/nn/params.js';
import { Rng } from '../../src/util/rng.js';
import { CKPLUS_DEV, PHOTOS } from '../helpers.js';

const PUBLISHED: MobileFaceNetConfig = {
  kind: 'mobilefacenet',
  inChannels: 3,
  inputSize: 112,
  trunkStages: 3,
  tailStride: 2,
};

/** Faces as 112x112 RGB in 0..1: colour crops of the shared photos and grey CK+ crops. */
async function faces(): Promise<{ rgb: Float32Array; grey: Float32Array; n: number }> {
  const crops: Buffer[] = [];
  for (const [file, box] of [
    ['happy.jpg', null],
    ['surprised.jpg', null],
  ] as const) {
    const img = sharp(path.join(PHOTOS, file));
    const { width = 0, height = 0 } = await img.metadata();
    const side = Math.min(width, height);
    crops.push(
      await img
        .extract({
          left: Math.floor((width - side) / 2),
          top: Math.floor((height - side) / 2),
          width: side,
          height: side,
        })
        .resize(112, 112)
        .removeAlpha()
        .raw()
        .toBuffer(),
    );
    void box;
  }
  for (const f of ['S010_004_00000017.png', 'S014_003_00000028.png'])
    crops.push(
      await sharp(path.join(CKPLUS_DEV, 'images', f))
        .resize(112, 112)
        .toColourspace('srgb')
        .removeAlpha()
        .raw()
        .toBuffer(),
    );
  const n = crops.length;
  const rgb = new Float32Array(n * 112 * 112 * 3);
  const grey = new Float32Array(n * 112 * 112);
  crops.forEach((c, i) => {
    for (let p = 0; p < 112 * 112; p++) {
      for (let ch = 0; ch < 3; ch++) rgb[(i * 112 * 112 + p) * 3 + ch] = c[p * 3 + ch] / 255;
      grey[i * 112 * 112 + p] = c[p * 3 + 1] / 255;
    }
  });
  return { rgb, grey, n };
}

function port(config: MobileFaceNetConfig, weights: Awaited<ReturnType<typeof readGraphWeights>>) {
  const stores = { params: new ParamStore(true), state: new ParamStore(false), rng: new Rng(1) };
  const net = new MobileFaceNet(config, stores);
  const flat = stores.params.read();
  const set = applyPretrained(flat, stores.params.layout(), weights, 'mfn');
  stores.params.write(flat);
  return { net, set, count: stores.params.layout().length };
}

let weights: Awaited<ReturnType<typeof readGraphWeights>>;
beforeAll(async () => {
  await initBackend('wasm');
  weights = await readGraphWeights(mobileFaceNetModelFile());
});

describe('MobileFaceNet port', () => {
  it('reproduces the published graph model on real faces within 1e-4', async () => {
    const { rgb, n } = await faces();
    const file = mobileFaceNetModelFile();
    const json = JSON.parse(await fs.readFile(file, 'utf8'));
    const bin = await fs.readFile(path.join(path.dirname(file), json.weightsManifest[0].paths[0]));
    const graph = await tfjs.loadGraphModel(
      tfjs.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length),
      }),
    );
    const x = tf.tensor4d(rgb, [n, 112, 112, 3]);
    const expected = Array.from((graph.execute(x) as tf.Tensor).dataSync());
    const { net, set, count } = port(PUBLISHED, weights);
    // Every parameter has a published weight (depthwise layers have no slope in the port).
    expect(set).toBe(count);
    const got = Array.from(net.embed(x).dataSync());
    expect(got).toHaveLength(n * 192);
    let diff = 0;
    for (let i = 0; i < got.length; i++) diff = Math.max(diff, Math.abs(got[i] - expected[i]));
    expect(diff).toBeLessThan(1e-4);
    // Different faces, different embeddings, by far more than the tolerance (the check is not passed by a
    // constant output): the published network's embeddings of faces in 0..1 lie close together, not that close.
    let between = 0;
    for (let i = 0; i < 192; i++) between = Math.max(between, Math.abs(expected[i] - expected[2 * 192 + i]));
    expect(between).toBeGreaterThan(20 * 1e-4);
    // The feature maps the RAN uses: the trunk's (after Conv2d_4) and the tail's (Conv2d_7), relative to their scale.
    const nodes = ['Conv2d_4_InvResBlock_5/Add', 'Conv2d_7/add'].map(
      (n) => `MobileFaceNet/MobileFaceNet/${n}`,
    );
    const [trunkRef, tailRef] = (graph.execute(x, nodes) as tf.Tensor[]).map((t) => Array.from(t.dataSync()));
    const trunk = net.trunk.forward(x);
    const maps = [Array.from(trunk.dataSync()), Array.from(net.tail.forward(trunk).dataSync())];
    for (const [mine, ref] of [
      [maps[0], trunkRef],
      [maps[1], tailRef],
    ]) {
      expect(mine).toHaveLength(ref.length);
      const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      let d = 0;
      for (let i = 0; i < ref.length; i++) d = Math.max(d, Math.abs(mine[i] - ref[i]));
      expect(d).toBeLessThan(1e-4 * scale);
    }
  });

  it('as a one-channel network gives the same embeddings on grey faces', async () => {
    const { grey, n } = await faces();
    const three = port(PUBLISHED, weights).net;
    const one = port({ ...PUBLISHED, inChannels: 1 }, weights).net;
    const x1 = tf.tensor4d(grey, [n, 112, 112, 1]);
    const x3 = tf.tile(x1, [1, 1, 1, 3]) as tf.Tensor4D;
    const a = three.embed(x3).dataSync();
    const b = one.embed(x1).dataSync();
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
    expect(diff).toBeLessThan(1e-4);
  });

  it('counts ~0.44 GFLOP at 112x112 (trunk + tail), a third of it at 64x64', () => {
    const flops = (c: MobileFaceNetConfig) => {
      const t = MfnTrunk.flops(c);
      return t.flops + MfnTail.flops(c, 64, t.h, t.w).flops;
    };
    const f112 = flops(PUBLISHED);
    expect(f112 / 1e9).toBeGreaterThan(0.38);
    expect(f112 / 1e9).toBeLessThan(0.46);
    expect(flops({ ...PUBLISHED, inputSize: 64 }) / f112).toBeCloseTo((32 * 32) / (56 * 56), 1);
  });
});
