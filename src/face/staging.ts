/**
 * Reusable int32 memory for image tensors. TensorFlow.js has no uint8 dtype: an RGB photo becomes an
 * int32 tensor, and `tensor3d(uint8Pixels, shape, 'int32')` allocates a fresh Int32Array four times the
 * photo's size (12.6 MB for 1366x768) on every call. Such short-lived large buffers make V8 run a full
 * garbage collection every few photos. A pool of widened copies avoids them: take one, make the tensor
 * from it, give it back once the tensor is disposed (backends that copy lazily read it until then).
 */
export class StagingPool {
  private readonly free: Int32Array[] = [];

  /** `keep`: how many buffers to hold between calls (the largest are kept). */
  constructor(private readonly keep = 2) {}

  /** `bytes` widened to int32, in a pooled buffer (a view of exactly `bytes.length` values). */
  widen(bytes: Uint8Array | Uint8ClampedArray): Int32Array {
    const i = this.free.findIndex((b) => b.length >= bytes.length);
    const buffer = i >= 0 ? this.free.splice(i, 1)[0] : new Int32Array(bytes.length);
    const view = buffer.length === bytes.length ? buffer : buffer.subarray(0, bytes.length);
    view.set(bytes);
    return view;
  }

  /** Gives back a buffer `widen` returned; it must not be read afterwards. */
  release(view: Int32Array): void {
    const whole = view.byteOffset === 0 && view.byteLength === view.buffer.byteLength;
    this.free.push(whole ? view : new Int32Array(view.buffer));
    this.free.sort((a, b) => a.length - b.length);
    if (this.free.length > this.keep) this.free.shift();
  }

  /** Buffers held now (for tests). */
  get held(): number {
    return this.free.length;
  }
}
