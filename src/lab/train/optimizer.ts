/**
 * Optimizers over flat Float32Array parameters, in plain JS on the main thread (a few ms per step for a
 * few million weights). Their state is plain arrays, saved exactly in checkpoints.
 * Weight decay is decoupled (AdamW / SGDW) and skipped for parameters marked `noDecay`; each parameter's
 * step is scaled by its learning-rate multiplier (0: frozen, neither stepped nor decayed).
 */

export type OptimizerConfig =
  | { kind: 'sgd'; momentum: number; nesterov: boolean; weightDecay: number }
  | { kind: 'adamw'; beta1: number; beta2: number; eps: number; weightDecay: number };

export interface OptimizerState {
  step: number;
  buffers: Float32Array[];
}

export class Optimizer {
  private readonly buffers: Float32Array[];
  step = 0;

  /**
   * `decayMask[i]` is 1 where parameter i gets weight decay, 0 elsewhere; `lrScale[i]` multiplies its
   * learning rate (all 1 when absent).
   */
  constructor(
    readonly config: OptimizerConfig,
    readonly size: number,
    private readonly decayMask: Uint8Array,
    private readonly lrScale: Float32Array = new Float32Array(size).fill(1),
  ) {
    const count = config.kind === 'sgd' ? 1 : 2;
    this.buffers = Array.from({ length: count }, () => new Float32Array(size));
  }

  /**
   * Applies one update in place: `params -= lr * direction(gradScale * grads)`. `gradScale` (1 / batch
   * size for summed gradients) is applied here, rounded to float32 as a scaled copy would be, to save a
   * pass over the gradients.
   */
  update(params: Float32Array, grads: Float32Array, lr: number, gradScale = 1): void {
    this.step++;
    const c = this.config;
    const mask = this.decayMask;
    const scale = this.lrScale;
    if (c.kind === 'sgd') {
      const m = this.buffers[0];
      const mu = c.momentum;
      for (let i = 0; i < this.size; i++) {
        const g = Math.fround(grads[i] * gradScale);
        const v = mu * m[i] + g;
        m[i] = v;
        const d = c.nesterov ? g + mu * v : v;
        params[i] -= lr * scale[i] * (d + c.weightDecay * mask[i] * params[i]);
      }
    } else {
      const [m, v] = this.buffers;
      const b1 = c.beta1;
      const b2 = c.beta2;
      const bc1 = 1 - b1 ** this.step;
      const bc2 = 1 - b2 ** this.step;
      for (let i = 0; i < this.size; i++) {
        const g = Math.fround(grads[i] * gradScale);
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        const d = m[i] / bc1 / (Math.sqrt(v[i] / bc2) + c.eps);
        params[i] -= lr * scale[i] * (d + c.weightDecay * mask[i] * params[i]);
      }
    }
  }

  getState(): OptimizerState {
    return { step: this.step, buffers: this.buffers.map((b) => b.slice()) };
  }

  setState(state: OptimizerState): void {
    if (state.buffers.length !== this.buffers.length)
      throw new Error('optimizer state does not match its kind');
    state.buffers.forEach((b, i) => {
      if (b.length !== this.size) throw new Error('optimizer state does not match the parameter count');
      this.buffers[i].set(b);
    });
    this.step = state.step;
  }
}
