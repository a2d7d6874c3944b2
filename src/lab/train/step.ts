/**
 * One optimisation step over a worker pool: gradients of the mean loss, an optimizer update of the
 * shared weights in place, and the batch-norm running statistics moved towards the batch's.
 */
import type { GradientInput } from '../parallel/gradients.js';
import type { WorkerPool } from '../parallel/worker-pool.js';
import { Optimizer, type OptimizerConfig } from './optimizer.js';

export interface StepOptions {
  /** Ghost batch size of batch normalisation. */
  bnGroup: number;
  /** Running statistics: `running = momentum * running + (1 - momentum) * batch`. */
  bnMomentum: number;
}

export class StepRunner {
  readonly optimizer: Optimizer;

  constructor(
    readonly pool: WorkerPool,
    optimizer: OptimizerConfig,
    readonly options: StepOptions,
  ) {
    this.optimizer = new Optimizer(optimizer, pool.params.length, pool.decayMask(), pool.lrScales());
  }

  /** Runs one step at learning rate `lr` and returns the batch's mean loss. */
  async step(input: GradientInput, lr: number): Promise<number> {
    const g = await this.pool.gradients(input, this.options.bnGroup);
    this.optimizer.update(this.pool.params, g.grads, lr, 1 / g.count);
    const m = this.options.bnMomentum;
    const state = this.pool.state;
    for (let i = 0; i < state.length; i++) state[i] = m * state[i] + (1 - m) * g.stats[i];
    this.pool.weightsChanged();
    return g.lossSum / g.count;
  }
}
