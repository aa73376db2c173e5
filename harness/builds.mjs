// Where the build puts what the tests and benchmarks serve (build/<example>.<alloc>.<build>/,
// scripts/build.sh), and which of it `make test` asked for; and what the examples answer.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { list, settings } from "../scripts/settings.mjs";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Examples that link an allocator (built once per backend). */
const WITH_ALLOCATOR = new Set(list("WITH_ALLOCATOR"));

/** The backends `make test` asked for (every one of settings.mk unless ALLOC was given). */
export const TEST_ALLOCS = (process.env.TEST_ALLOCS ?? settings.ALLOCS).split(/\s+/).filter(Boolean);
/** The builds `make test` asked for (both unless BUILD was given). */
export const TEST_BUILDS = (process.env.TEST_BUILDS ?? settings.BUILDS).split(/\s+/).filter(Boolean);

/** build/<example>.<alloc>.<build>, as scripts/build.sh lays it out. */
export const dirOf = (example, alloc = "talc", build = "abort") =>
  `${ROOT}/build/${example}.${WITH_ALLOCATOR.has(example) ? alloc : "none"}.${build}`;

/** The optimised module `make build-all` wrote for `example`. */
export const wasmOf = (example, alloc, build) => readFileSync(`${dirOf(example, alloc, build)}/app.wasm`);

/** The fault routes of examples/faults and what each 500's body must contain. */
export const FAULT_ROUTES = [
  ["/panic", "panic: injected panic"],
  ["/abort", "abort: injected abort"],
  ["/oom", "abort: out of memory"],
  ["/trap", "trap: unreachable"],
  ["/overflow", "trap:"],
  ["/js-throw", "error: thrown on purpose by a JS import"],
  ["/reenter", "reentrant call refused"],
];

/** Whether the instance survives `route` in `build` (DESIGN.md's fault model): the unwind
 * build keeps it after a panic and after a JS exception, because every destructor ran. */
export const keepsInstance = (build, route) =>
  build === "unwind" && ["/panic", "/js-throw", "/reenter"].includes(route);
