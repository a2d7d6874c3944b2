/**
 * Where a training step's time goes: one network's forward pass and its forward + backward pass
 * (`computeGradients`, as each worker runs it) on this thread, timed per TensorFlow.js kernel with
 * `tf.profile`. Prints the kernels by total time, the step over the forward pass, and `--json`.
 *
 * Run: npx tsx scripts/profile-step.ts [--preset wide-tail|bench|...] [--batch 32] [--repeats 3] [--json] [--shapes]
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/engine/backend.js';
import { benchNetwork } from '../src/lab/bench/engine-bench.js';
import { computeGradients, statOffsets } from '../src/lab/parallel/gradients.js';
import { TRAIN_PRESETS } from '../src/lab/train/config.js';
import { createNetwork } from '../src/model/registry.js';
import { inferenceContext } from '../src/nn/context.js';
import { Rng } from '../src/util/rng.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const preset = arg('preset', 'wide-tail');
const batch = Number(arg('batch', '32'));
const repeats = Number(arg('repeats', '3'));

await initBackend('wasm');
// `--preset bench`: the residual CNN of `ranfer bench engine` with the default recipe's settings.
const config =
  preset === 'bench' ? { ...TRAIN_PRESETS.default, network: benchNetwork } : TRAIN_PRESETS[preset];
if (!config) throw new Error(`no preset ${preset}`);
const net = createNetwork(config.network, 1);
const size = config.network.inputSize;
const rng = new Rng(1);
const x = Float32Array.from({ length: batch * size * size }, () => rng.float() * 2 - 1);
const y = new Float32Array(batch * 8);
for (let i = 0; i < batch; i++) y[i * 8 + (i % 8)] = 1;
const input = {
  x,
  xShape: [batch, size, size, 1] as [number, number, number, number],
  y,
  yShape: [batch, 8] as [number, number],
};
const grads = new Float32Array(net.params.size);
const stats = new Float32Array(net.state.size);
const offsets = statOffsets(net);
const step = () => computeGradients(net, input, config.bnGroup, grads, stats, offsets);
const forward = () =>
  tf.tidy(() => {
    const p = net.predict(tf.tensor4d(x, input.xShape), inferenceContext());
    p.logits.dataSync();
  });

const time = (fn: () => void) => {
  fn();
  const t0 = performance.now();
  for (let i = 0; i < repeats; i++) fn();
  return (performance.now() - t0) / repeats;
};
const forwardMs = time(forward);
const stepMs = time(step);

const byKernel = new Map<string, { ms: number; calls: number }>();
const info = await tf.profile(() => {
  step();
});
for (const k of info.kernels) {
  const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
  e.ms += ms;
  e.calls++;
  byKernel.set(k.name, e);
}
const kernels = [...byKernel.entries()]
  .map(([name, e]) => ({ name, ms: e.ms, calls: e.calls }))
  .sort((a, b) => b.ms - a.ms);
const kernelMs = kernels.reduce((a, k) => a + k.ms, 0);
const result = { preset, batch, forwardMs, stepMs, stepToForward: stepMs / forwardMs, kernelMs, kernels };
if (process.argv.includes('--json')) console.log(JSON.stringify(result, null, 2));
else {
  console.log(
    `${preset}, batch ${batch}: forward ${forwardMs.toFixed(1)} ms, step ${stepMs.toFixed(1)} ms (${result.stepToForward.toFixed(2)}x); kernels ${kernelMs.toFixed(1)} ms of the profiled step`,
  );
  for (const k of kernels.slice(0, 25))
    console.log(`${k.ms.toFixed(1).padStart(8)} ms ${String(k.calls).padStart(5)} calls  ${k.name}`);
}
net.dispose();
if (process.argv.includes('--shapes'))
  for (const k of info.kernels.filter((k) => /^Conv2D/.test(k.name)))
    console.log(
      k.name,
      (k.kernelTimeMs as number).toFixed(1),
      JSON.stringify(k.inputShapes),
      JSON.stringify(k.outputShapes),
    );
