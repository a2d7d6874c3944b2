/**
 * Data-parallel training over worker threads.
 *
 * Each worker holds a replica of the network on its own WASM backend. For a step, the batch is split
 * into one shard per worker on ghost-batch boundaries; each worker writes the summed gradients of its
 * shard into shared memory, and the pool adds them up. Since batch normalisation uses fixed-size ghost
 * batches and gradients are summed, a step on W workers equals a step on one worker with the same batch.
 * Weights live in one SharedArrayBuffer owned by the caller (the optimizer updates it in place).
 */
import type { Worker } from 'node:worker_threads';
import type { BackendChoice } from '../../engine/backend.js';
import type { NetworkConfig } from '../../model/registry.js';
import type { ParamInfo } from '../../nn/params.js';
import { spawnSibling } from '../../util/worker.js';
import type { GradientInput } from './gradients.js';
import type { FromWorker, ToWorker } from './protocol.js';

export interface PoolOptions {
  workers: number;
  network: NetworkConfig;
  seed: number;
  backend?: BackendChoice;
}

export interface PoolGradients {
  lossSum: number;
  count: number;
  /** Gradients summed over all samples of the batch. */
  grads: Float32Array;
  /** Batch-norm statistics, sample-weighted mean over the shards, in the state layout. */
  stats: Float32Array;
}

export interface PoolPrediction {
  logits: Float32Array;
  classes: number;
  attention?: Float32Array;
  regions: number;
}

type Pending = { resolve: (m: FromWorker) => void; reject: (e: Error) => void };

class WorkerHandle {
  private readonly pending = new Map<number, Pending>();
  private waiting: Pending | undefined;
  grads!: Float32Array;
  stats!: Float32Array;

  constructor(readonly worker: Worker) {
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (e) => this.failAll(e));
    worker.on('exit', (code) => {
      if (code !== 0) this.failAll(new Error(`gradient worker exited with code ${code}`));
    });
  }

  private onMessage(m: FromWorker): void {
    const id = 'id' in m ? m.id : -1;
    const p = id >= 0 ? this.pending.get(id) : this.waiting;
    if (id >= 0) this.pending.delete(id);
    else this.waiting = undefined;
    if (!p) return;
    if (m.type === 'error') p.reject(new Error(`gradient worker: ${m.message}`));
    else p.resolve(m);
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    this.waiting?.reject(e);
    this.waiting = undefined;
  }

  /** Sends a message without an id and waits for the next id-less answer (init / attach). */
  control(msg: ToWorker): Promise<FromWorker> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.worker.postMessage(msg);
    });
  }

  request(id: number, msg: ToWorker): Promise<FromWorker> {
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(msg);
    });
  }
}

const spawnWorker = (): Worker => spawnSibling(import.meta.url, 'grad-worker');

/** Splits `n` samples into `w` shards whose sizes are multiples of `group` where possible. */
export function shardSizes(n: number, w: number, group: number): number[] {
  const groups = group > 0 && n % group === 0 ? n / group : 0;
  if (groups >= w) {
    const base = Math.floor(groups / w);
    return Array.from({ length: w }, (_, i) => (base + (i < groups % w ? 1 : 0)) * group);
  }
  // Too small to split on ghost-batch boundaries: one shard (statistics then cover the whole batch).
  return [n, ...Array.from({ length: w - 1 }, () => 0)];
}

/**
 * Adds up the workers' gradients into `into` as they arrive, in a fixed order: worker 0 and 1 in either
 * order (a + b = b + a exactly), then 2, 3, ... each once all before it are in. The result is bit for bit
 * the sum `((g0 + g1) + g2) + ...` whatever the order of arrival.
 */
export class GradientSum {
  private readonly parts: (Float32Array | undefined)[];
  private readonly taken: boolean[];
  private started = false;
  private next = 0;

  constructor(
    private readonly into: Float32Array,
    count: number,
  ) {
    this.parts = new Array(count).fill(undefined);
    this.taken = new Array(count).fill(false);
  }

  /** Worker `i`'s gradients are in: added now, or kept until those before them are. */
  arrived(i: number, grads: Float32Array): void {
    this.parts[i] = grads;
    if (!this.started) {
      const first = this.parts[0] ? 0 : this.parts[1] ? 1 : -1;
      if (first < 0) return;
      this.into.set(this.parts[first] as Float32Array);
      this.taken[first] = true;
      this.started = true;
    }
    const into = this.into;
    for (; this.next < this.parts.length; this.next++) {
      if (this.taken[this.next]) continue;
      const g = this.parts[this.next];
      if (!g) return;
      for (let k = 0; k < into.length; k++) into[k] += g[k];
      this.taken[this.next] = true;
    }
  }

  /** Whether every worker's gradients are in the sum. */
  get complete(): boolean {
    return this.taken.every(Boolean);
  }
}

export class WorkerPool {
  private nextId = 0;
  private version = 0;
  readonly params: Float32Array;
  readonly state: Float32Array;
  private readonly sumGrads: Float32Array;
  private readonly sumStats: Float32Array;

  private constructor(
    private readonly handles: WorkerHandle[],
    readonly backend: string,
    readonly flopsPerSample: number,
    readonly layout: ParamInfo[],
    readonly stateLayout: ParamInfo[],
    sizes: { paramCount: number; stateCount: number },
  ) {
    const f32 = Float32Array.BYTES_PER_ELEMENT;
    this.params = new Float32Array(new SharedArrayBuffer(sizes.paramCount * f32));
    this.state = new Float32Array(new SharedArrayBuffer(sizes.stateCount * f32));
    this.sumGrads = new Float32Array(sizes.paramCount);
    this.sumStats = new Float32Array(sizes.stateCount);
  }

  static async start(options: PoolOptions): Promise<WorkerPool> {
    if (!Number.isInteger(options.workers) || options.workers < 1)
      throw new Error('workers must be a positive integer');
    const handles = Array.from({ length: options.workers }, () => new WorkerHandle(spawnWorker()));
    try {
      const init: ToWorker = {
        type: 'init',
        network: options.network,
        seed: options.seed,
        backend: options.backend ?? 'auto',
      };
      const ready = await Promise.all(handles.map((h) => h.control(init)));
      const first = ready[0];
      if (first.type !== 'ready') throw new Error('gradient worker failed to start');
      const pool = new WorkerPool(
        handles,
        first.backend,
        first.flopsPerSample,
        first.layout,
        first.stateLayout,
        first,
      );
      const f32 = Float32Array.BYTES_PER_ELEMENT;
      await Promise.all(
        handles.map(async (h, i) => {
          const grads = new SharedArrayBuffer(first.paramCount * f32);
          const stats = new SharedArrayBuffer(first.stateCount * f32);
          h.grads = new Float32Array(grads);
          h.stats = new Float32Array(stats);
          return h.control({
            type: 'attach',
            params: pool.params.buffer as SharedArrayBuffer,
            state: pool.state.buffer as SharedArrayBuffer,
            grads,
            stats,
            writeInitial: i === 0,
          });
        }),
      );
      return pool;
    } catch (e) {
      await Promise.all(handles.map((h) => h.worker.terminate()));
      throw e;
    }
  }

  get size(): number {
    return this.handles.length;
  }

  /** 1 where a parameter gets weight decay, 0 where it is marked `noDecay`. */
  decayMask(): Uint8Array {
    const mask = new Uint8Array(this.params.length);
    for (const p of this.layout) if (!p.noDecay) mask.fill(1, p.offset, p.offset + p.size);
    return mask;
  }

  /** Each parameter's learning-rate multiplier (0 where frozen). */
  lrScales(): Float32Array {
    const scales = new Float32Array(this.params.length);
    for (const p of this.layout) scales.fill(p.lrScale, p.offset, p.offset + p.size);
    return scales;
  }

  /** Call after changing `params` or `state` in place: workers reload them before their next task. */
  weightsChanged(): void {
    this.version++;
  }

  /**
   * Gradients of the summed loss over `input`, split across the workers. Each worker's gradients are
   * added as soon as the ones before it are in, so that only the last one's pass is left after the
   * slowest worker ends; the order of the additions never changes the sum (the first two commute).
   */
  async gradients(input: GradientInput, bnGroup: number): Promise<PoolGradients> {
    const [n, h, w, c] = input.xShape;
    const classes = input.yShape[1];
    const sizes = shardSizes(n, this.handles.length, bnGroup);
    const used: WorkerHandle[] = [];
    const jobs: Promise<FromWorker>[] = [];
    let start = 0;
    sizes.forEach((count, i) => {
      if (count === 0) return;
      const px = h * w * c;
      const msg: ToWorker = {
        type: 'step',
        id: this.nextId++,
        version: this.version,
        bnGroup,
        x: input.x.slice(start * px, (start + count) * px),
        xShape: [count, h, w, c],
        y: input.y.slice(start * classes, (start + count) * classes),
        yShape: [count, classes],
      };
      jobs.push(this.handles[i].request(msg.id, msg));
      used.push(this.handles[i]);
      start += count;
    });
    const sum = new GradientSum(this.sumGrads, used.length);
    const results = await Promise.all(
      jobs.map((job, i) =>
        job.then((r) => {
          if (r.type !== 'step-done') throw new Error(`unexpected worker answer ${r.type}`);
          sum.arrived(i, used[i].grads);
          return r;
        }),
      ),
    );
    this.sumStats.fill(0);
    let lossSum = 0;
    let count = 0;
    results.forEach((r, i) => {
      lossSum += r.lossSum;
      count += r.count;
      const s = used[i].stats;
      const weight = r.count / n;
      for (let k = 0; k < s.length; k++) this.sumStats[k] += weight * s[k];
    });
    return { lossSum, count, grads: this.sumGrads, stats: this.sumStats };
  }

  /**
   * Inference over a batch (split across workers): logits [N * classes] and, for networks with regions,
   * attention weights [N * regions], row-major.
   */
  async predict(x: Float32Array, xShape: [number, number, number, number]): Promise<PoolPrediction> {
    const [n, h, w, c] = xShape;
    const per = Math.ceil(n / this.handles.length);
    const px = h * w * c;
    const parts = await Promise.all(
      this.handles.map((handle, i) => {
        const from = i * per;
        const count = Math.max(0, Math.min(per, n - from));
        if (count === 0) return Promise.resolve(undefined);
        const msg: ToWorker = {
          type: 'predict',
          id: this.nextId++,
          version: this.version,
          x: x.slice(from * px, (from + count) * px),
          xShape: [count, h, w, c],
        };
        return handle.request(msg.id, msg);
      }),
    );
    const done = parts.filter(
      (p): p is Extract<FromWorker, { type: 'predict-done' }> => p?.type === 'predict-done',
    );
    const classes = done[0]?.classes ?? 0;
    const regions = done[0]?.regions ?? 0;
    const logits = new Float32Array(n * classes);
    const attention = regions > 0 ? new Float32Array(n * regions) : undefined;
    let lo = 0;
    let ao = 0;
    for (const p of done) {
      logits.set(p.logits, lo);
      lo += p.logits.length;
      if (attention && p.attention) {
        attention.set(p.attention, ao);
        ao += p.attention.length;
      }
    }
    return { logits, classes, attention, regions };
  }

  async close(): Promise<void> {
    await Promise.all(
      this.handles.map(async (h) => {
        h.worker.postMessage({ type: 'close' } satisfies ToWorker);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            void h.worker.terminate().then(() => resolve());
          }, 2000);
          h.worker.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }),
    );
  }
}
