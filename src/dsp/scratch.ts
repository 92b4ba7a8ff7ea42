// Reusable work buffers for the synchronous DSP kernels (source-filter synthesis, YIN). Live mode runs
// them ~31 times a second; fresh typed arrays for their work space came to ~350 KB a block, outside the
// JS heap, and that allocation rate made V8 collect every few hundred milliseconds ("external memory
// pressure"): the collections were inside most of the blocks that missed their deadline. A buffer taken
// here is valid only until the next call with the same key, so only a synchronous function that does
// not return or keep the buffer may use one.

const pools = new Map<string, Float64Array>();
const intPools = new Map<string, Int32Array>();

/**
 * Larger requests get a fresh array and are not kept: a whole long file's YIN or a 10 s chunk's synthesis
 * would otherwise pin its work space for the life of the process. 2^18 elements (2 MB as float64) covers
 * live mode's blocks many times over.
 */
export const SCRATCH_MAX_ELEMENTS = 1 << 18;

/**
 * A Float64Array of length `n` from the pool under `key` (grown on demand, never shrunk).
 * @param zero fill with zeros first (otherwise it holds the previous user's values)
 */
export function scratch64(key: string, n: number, zero = false): Float64Array {
  if (n > SCRATCH_MAX_ELEMENTS) return new Float64Array(n);
  let buf = pools.get(key);
  if (!buf || buf.length < n) {
    buf = new Float64Array(Math.min(SCRATCH_MAX_ELEMENTS, Math.max(n, buf ? buf.length * 2 : 0)));
    pools.set(key, buf);
    return buf.subarray(0, n); // fresh: already zero
  }
  const view = buf.subarray(0, n);
  if (zero) view.fill(0);
  return view;
}

/** The Int32Array twin of `scratch64` (its own keys). */
export function scratch32i(key: string, n: number): Int32Array {
  if (n > SCRATCH_MAX_ELEMENTS) return new Int32Array(n);
  let buf = intPools.get(key);
  if (!buf || buf.length < n) {
    buf = new Int32Array(Math.min(SCRATCH_MAX_ELEMENTS, Math.max(n, buf ? buf.length * 2 : 0)));
    intPools.set(key, buf);
  }
  return buf.subarray(0, n);
}
