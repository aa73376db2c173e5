// Optional: the allocator statistics of a tinyworker module (tinyworker-alloc exports
// __tw_alloc_stats), for logging. Kept out of glue.js so a Worker that does not log them
// does not ship this code.
import { EXPORT_ALLOC_STATS } from "./abi.js";

/** The fields of the statistics record, in order, one u32 each (docs/ABI.md; alloc's `Stats`). */
export const FIELDS = ["inUse", "peak", "allocations", "failures", "limit"];

/** `{ inUse, peak, allocations, failures, limit }` in bytes/counts, or null without an allocator. */
export function allocStats(runtime) {
  return runtime.call((x) => {
    if (!x[EXPORT_ALLOC_STATS]) return null;
    const words = new Uint32Array(x.memory.buffer, x[EXPORT_ALLOC_STATS](), FIELDS.length);
    return Object.fromEntries(FIELDS.map((name, i) => [name, words[i]]));
  });
}
