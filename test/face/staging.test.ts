import { describe, expect, it } from 'vitest';
import { StagingPool } from '../../src/face/staging.js';

describe('StagingPool', () => {
  it('widens bytes to int32 values, exactly as many as given', () => {
    const pool = new StagingPool();
    const bytes = Uint8Array.from([0, 1, 127, 128, 255]);
    const out = pool.widen(bytes);
    expect(out).toBeInstanceOf(Int32Array);
    expect(Array.from(out)).toEqual([0, 1, 127, 128, 255]);
  });

  it('hands a released buffer out again instead of allocating', () => {
    const pool = new StagingPool();
    const first = pool.widen(new Uint8Array(12).fill(7));
    pool.release(first);
    expect(pool.held).toBe(1);
    const second = pool.widen(new Uint8Array(12).fill(9));
    expect(second.buffer).toBe(first.buffer);
    expect(pool.held).toBe(0);
    expect(Array.from(second)).toEqual(new Array(12).fill(9));
  });

  it('serves a smaller image from a larger buffer as a view of its exact length', () => {
    const pool = new StagingPool();
    const big = pool.widen(new Uint8Array(30));
    pool.release(big);
    const small = pool.widen(Uint8Array.from([3, 2, 1]));
    expect(small.length).toBe(3);
    expect(small.buffer).toBe(big.buffer);
    expect(Array.from(small)).toEqual([3, 2, 1]);
    pool.release(small);
    // The whole buffer comes back, so a larger image fits in it again.
    expect(pool.widen(new Uint8Array(30)).buffer).toBe(big.buffer);
  });

  it('gives concurrent callers separate buffers', () => {
    const pool = new StagingPool();
    const a = pool.widen(Uint8Array.from([1, 1]));
    const b = pool.widen(Uint8Array.from([2, 2]));
    expect(b.buffer).not.toBe(a.buffer);
    expect(Array.from(a)).toEqual([1, 1]);
  });

  it('keeps at most `keep` buffers, the largest', () => {
    const pool = new StagingPool(2);
    const sizes = [4, 16, 8];
    const views = sizes.map((n) => pool.widen(new Uint8Array(n)));
    for (const v of views) pool.release(v);
    expect(pool.held).toBe(2);
    expect(pool.widen(new Uint8Array(1)).buffer.byteLength).toBe(8 * 4);
    expect(pool.widen(new Uint8Array(1)).buffer.byteLength).toBe(16 * 4);
    expect(pool.held).toBe(0);
  });
});
