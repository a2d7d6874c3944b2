/** A seeded random generator (xoroshiro128+ from pure-rand) whose state can be saved and restored exactly. */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';

type Generator = ReturnType<typeof xoroshiro128plus>;

/** splitmix32 finaliser: spreads nearby integers over the whole 32-bit range. */
function scramble(seed: number): number {
  let z = (seed + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) | 0;
}

export class Rng {
  private gen: Generator;
  private spareNormal: number | null = null;

  constructor(seed: number | readonly number[]) {
    // xoroshiro128+ seeded with small integers starts with nearly equal outputs (the first float of
    // seeds 0-7 is 0.9999...): seeds are scrambled first, and a few outputs discarded.
    if (typeof seed === 'number') {
      this.gen = xoroshiro128plus(scramble(seed));
      for (let i = 0; i < 4; i++) this.gen.next();
    } else {
      this.gen = xoroshiro128plusFromState(seed);
    }
  }

  /** Uniform in [0, 1). */
  float(): number {
    return uniformFloat64(this.gen);
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }

  /** Uniform integer in [lo, hi] (both included). */
  int(lo: number, hi: number): number {
    return uniformInt(this.gen, lo, hi);
  }

  /** Standard normal (Box-Muller, pairs cached). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.float();
    const v = this.float();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(items: T[] | Int32Array | Uint32Array): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
  }

  /** The exact generator state (for checkpoints). */
  state(): number[] {
    this.spareNormal = null;
    return [...this.gen.getState()];
  }
}
