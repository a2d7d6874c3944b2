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
  /** Multiplier of the learning rate (default 1); 0 freezes the parameter: no gradient is computed. */
  lrScale?: number;
}

export interface ParamInfo {
  name: string;
  shape: number[];
  offset: number;
  size: number;
  noDecay: boolean;
  /** Multiplier of the learning rate; 0: frozen. */
  lrScale: number;
}

let nextStoreId = 0;

export class ParamStore {
  /** TensorFlow.js names variables globally: each store's are prefixed with its own id. */
  private readonly prefix = `ranfer${nextStoreId++}/`;
  private readonly specs: ParamSpec[] = [];
  private readonly vars: tf.Variable[] = [];
  private readonly byName = new Map<string, tf.Variable>();
  private lrScale = 1;

  constructor(readonly trainable: boolean) {}

  /** Declares parameters in `declare` with a learning-rate multiplier (0 freezes them). */
  withLrScale<T>(scale: number, declare: () => T): T {
    if (!(scale >= 0)) throw new RangeError(`learning-rate scale must be >= 0, got ${scale}`);
    const outer = this.lrScale;
    this.lrScale = scale;
    try {
      return declare();
    } finally {
      this.lrScale = outer;
    }
  }

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
    this.specs.push(
      spec.lrScale === undefined && this.lrScale !== 1 ? { ...spec, lrScale: this.lrScale } : spec,
    );
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

  /** The variables that are trained (learning-rate scale above 0). */
  trainedVariables(): tf.Variable[] {
    return this.vars.filter((_, i) => (this.specs[i].lrScale ?? 1) > 0);
  }

  /** Layout of the flat vector: name, shape, offset and size of each parameter in order. */
  layout(): ParamInfo[] {
    let offset = 0;
    return this.specs.map((s) => {
      const size = s.shape.reduce((a, b) => a * b, 1);
      const info = {
        name: s.name,
        shape: s.shape,
        offset,
        size,
        noDecay: s.noDecay ?? false,
        lrScale: s.lrScale ?? 1,
      };
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

  /** Flattens tensors given in this store's order (e.g. gradients) into one vector; absent ones are 0. */
  flatten(tensors: readonly (tf.Tensor | undefined)[], out?: Float32Array): Float32Array {
    const flat = out ?? new Float32Array(this.size);
    let offset = 0;
    this.vars.forEach((v, i) => {
      const t = tensors[i];
      if (!t) flat.fill(0, offset, offset + v.size);
      else if (t.size !== v.size) throw new Error(`tensor ${i} does not match ${this.specs[i].name}`);
      else flat.set(t.dataSync() as Float32Array, offset);
      offset += v.size;
    });
    return flat;
  }

  dispose(): void {
    for (const v of this.vars) v.dispose();
  }
}
