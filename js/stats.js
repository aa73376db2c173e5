// Optional: the allocator statistics of a tinyworker module (tinyworker-alloc exports
// __tw_alloc_stats), for logging. Kept out of glue.js so a Worker that does not log them
// does not ship this code.
const FIELDS = ["inUse", "peak", "allocations", "failures", "limit"];

/** `{ inUse, peak, allocations, failures, limit }` in bytes/counts, or null without an allocator. */
export function allocStats(runtime) {
  return runtime.call((x) => {
    if (!x.__tw_alloc_stats) return null;
    const words = new Uint32Array(x.memory.buffer, x.__tw_alloc_stats(), FIELDS.length);
    return Object.fromEntries(FIELDS.map((name, i) => [name, words[i]]));
  });
}
