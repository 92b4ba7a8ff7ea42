// Reusable work buffers for the synchronous DSP kernels (source-filter synthesis, YIN). Live mode runs
// them ~31 times a second; fresh typed arrays for their work space came to ~350 KB a block, outside the
// JS heap, and that allocation rate made V8 collect every few hundred milliseconds ("external memory
// pressure"): the collections were inside most of the blocks that missed their deadline. A buffer taken
// here is valid only until the next call with the same key, so only a synchronous function that does
// not return or keep the buffer may use one.

type Pooled = Float32Array | Float64Array | Int32Array;

/**
 * Larger requests get a fresh array and are not kept: a whole long file's YIN or a 10 s chunk's synthesis
 * would otherwise pin its work space for the life of the process. 2^18 elements (2 MB as float64) covers
 * live mode's blocks many times over.
 */
export const SCRATCH_MAX_ELEMENTS = 1 << 18;

/**
 * Keyed work buffers of one element type: `take(key, n)` is a view of length `n`, valid until the next take of
 * that key, over a buffer grown on demand and never shrunk. The module's pools serve the DSP kernels; an owner of
 * per-instance buffers (a live stream) keeps its own pool.
 */
export class BufferPool<T extends Pooled> {
  private readonly pools = new Map<string, T>();

  constructor(private readonly make: (n: number) => T) {}

  /** @param zero fill with zeros first (otherwise it holds the previous user's values) */
  take(key: string, n: number, zero = false): T {
    if (n > SCRATCH_MAX_ELEMENTS) return this.make(n);
    let buf = this.pools.get(key);
    if (!buf || buf.length < n) {
      buf = this.make(Math.min(SCRATCH_MAX_ELEMENTS, Math.max(n, buf ? buf.length * 2 : 0)));
      this.pools.set(key, buf);
      return buf.subarray(0, n) as T; // fresh: already zero
    }
    const view = buf.subarray(0, n) as T;
    if (zero) view.fill(0);
    return view;
  }
}

const floatPool = new BufferPool((m) => new Float64Array(m));
const intPool = new BufferPool((m) => new Int32Array(m));

/**
 * A Float64Array of length `n` from the pool under `key` (grown on demand, never shrunk).
 * @param zero fill with zeros first (otherwise it holds the previous user's values)
 */
export function scratch64(key: string, n: number, zero = false): Float64Array {
  return floatPool.take(key, n, zero);
}

/** The Int32Array twin of `scratch64` (its own keys). */
export function scratch32i(key: string, n: number): Int32Array {
  return intPool.take(key, n);
}
