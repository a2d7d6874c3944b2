/**
 * Named, ordered parameters of a network.
 *
 * A `ParamStore` owns tf.Variables in a fixed order, so that all of them can be exchanged as one flat
 * Float32Array: between worker threads (gradients, weights), with the optimizer, and in checkpoints.
 * Trainable weights and non-trainable state (batch-norm running statistics) live in separate stores.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../util/rng.js';

export type Init =
  | { kind: 'he'; fanIn: number }
  | { kind: 'uniform'; limit: number }
  | { kind: 'const'; value: number };

export interface ParamSpec {
  name: string;
  shape: number[];
  init: Init;
  /** Excluded from weight decay (biases, norms, PReLU slopes). */
  noDecay?: boolean;
}

export interface ParamInfo {
  name: string;
  shape: number[];
  offset: number;
  size: number;
  noDecay: boolean;
}

let nextStoreId = 0;

export class ParamStore {
  /** TensorFlow.js names variables globally: each store's are prefixed with its own id. */
  private readonly prefix = `ranfer${nextStoreId++}/`;
  private readonly specs: ParamSpec[] = [];
  private readonly vars: tf.Variable[] = [];
  private readonly byName = new Map<string, tf.Variable>();

  constructor(readonly trainable: boolean) {}

  /** Declares a parameter and creates its variable (initialised from `rng`). */
  add(spec: ParamSpec, rng: Rng): tf.Variable {
    if (this.byName.has(spec.name)) throw new Error(`duplicate parameter ${spec.name}`);
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    const init = spec.init;
    if (init.kind === 'he') {
      const std = Math.sqrt(2 / init.fanIn);
      for (let i = 0; i < size; i++) values[i] = rng.normal() * std;
    } else if (init.kind === 'uniform') {
      for (let i = 0; i < size; i++) values[i] = rng.uniform(-init.limit, init.limit);
    } else {
      values.fill(init.value);
    }
    const v = tf.variable(tf.tensor(values, spec.shape), this.trainable, this.prefix + spec.name);
    this.specs.push(spec);
    this.vars.push(v);
    this.byName.set(spec.name, v);
    return v;
  }

  get(name: string): tf.Variable {
    const v = this.byName.get(name);
    if (!v) throw new Error(`unknown parameter ${name}`);
    return v;
  }

  variables(): readonly tf.Variable[] {
    return this.vars;
  }

  /** Layout of the flat vector: name, shape, offset and size of each parameter in order. */
  layout(): ParamInfo[] {
    let offset = 0;
    return this.specs.map((s) => {
      const size = s.shape.reduce((a, b) => a * b, 1);
      const info = { name: s.name, shape: s.shape, offset, size, noDecay: s.noDecay ?? false };
      offset += size;
      return info;
    });
  }

  get size(): number {
    return this.vars.reduce((n, v) => n + v.size, 0);
  }

  /** Copies every parameter into one flat vector (into `out` when given). */
  read(out?: Float32Array): Float32Array {
    const flat = out ?? new Float32Array(this.size);
    let offset = 0;
    for (const v of this.vars) {
      flat.set(v.dataSync() as Float32Array, offset);
      offset += v.size;
    }
    return flat;
  }

  /** Assigns every parameter from one flat vector. */
  write(flat: Float32Array): void {
    if (flat.length !== this.size) throw new Error(`expected ${this.size} values, got ${flat.length}`);
    let offset = 0;
    for (const v of this.vars) {
      const t = tf.tensor(flat.subarray(offset, offset + v.size), v.shape);
      v.assign(t);
      t.dispose();
      offset += v.size;
    }
  }

  /** Flattens tensors given in this store's order (e.g. gradients) into one vector. */
  flatten(tensors: readonly tf.Tensor[], out?: Float32Array): Float32Array {
    const flat = out ?? new Float32Array(this.size);
    let offset = 0;
    tensors.forEach((t, i) => {
      if (t.size !== this.vars[i].size) throw new Error(`tensor ${i} does not match ${this.specs[i].name}`);
      flat.set(t.dataSync() as Float32Array, offset);
      offset += t.size;
    });
    return flat;
  }

  dispose(): void {
    for (const v of this.vars) v.dispose();
  }
}
