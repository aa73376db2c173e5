import type { AllocStats, Runtime } from "./glue.js";
/** Allocator statistics of the runtime's current instance, or null without an allocator. */
export function allocStats(runtime: Runtime): AllocStats | null;
