// The pool of runtimes that serves a module that suspends (JSPI): one instance per request in
// flight, a bounded queue behind them, and idle instances released after a while.
import { Fault } from "./fault.js";
import { createRuntime } from "./runtime.js";

/**
 * A pool of runtimes for a module that suspends: one instance per request in flight, at most
 * `instances`; beyond that up to `queue` requests wait. A waiting request is woken by the
 * request that releases an instance (workerd delivers that wake-up in the waiting request's
 * own context, since the waiter still has a timer of its own pending: without one it would be
 * cancelled as hung), and by its own timer once a second should a wake-up be lost; one whose
 * client went away leaves the queue at once. Idle instances beyond `warm` are released after
 * `idleMs` without work.
 */
export function pool(module, options) {
  const { instances = 128, queue = 1024, warm = 4, idleMs = 30_000 } = options.pool ?? {};
  const all = []; // every runtime (tests, monitoring)
  const idle = []; // idle runtimes, the most recently released last
  const waiting = []; // the wake-up of each queued request, first come first
  // (No spare per runtime: the pool's other instances stand in while a faulted one is refilled.)
  const create = () => all[all.push(createRuntime(module, { ...options, spare: false })) - 1];
  const forget = (runtime) => {
    const at = all.indexOf(runtime);
    if (at >= 0) all.splice(at, 1);
  };
  // After the platform killed execution (for CPU), a runtime whose call was in flight never
  // resumes and is never released: each leaves the pool (as an abandoned one), and the
  // runtimes' words are cleared as each next call begins.
  const sweep = () => {
    for (const runtime of [...all]) if (!idle.includes(runtime) && runtime.killed()) abandon(runtime);
  };
  const abandon = (runtime) => {
    runtime.abandoned = true;
    forget(runtime);
  };
  const take = () => {
    const runtime = idle.pop();
    if (runtime?.killed()) sweep();
    return runtime ?? (all.length < instances ? create() : null);
  };
  // Releases idle runtimes beyond `warm` that have had no work for `idleMs` (the oldest first).
  const shrink = (now) => {
    while (idle.length > warm && now - idle[0].idleSince > idleMs) forget(idle.shift());
  };
  return {
    all,
    take,
    /**
     * A runtime for one request: an idle one, or a new one under the cap; else the request
     * waits for one. Resolves to null when `queue` requests wait already; throws an "aborted"
     * Fault when the client went away while it waited (it never starts).
     */
    async acquire(signal) {
      let runtime = take();
      if (runtime || waiting.length >= queue) return runtime;
      for (let again = false; ; again = true) {
        let wake, timer;
        const woken = new Promise((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, 1000);
        });
        // A request woken for nothing (another took the instance first) keeps its place.
        if (again) waiting.unshift(wake);
        else waiting.push(wake);
        // (Left attached: a wake-up after this one changes nothing.)
        signal?.addEventListener("abort", wake, { once: true });
        await woken;
        clearTimeout(timer);
        const at = waiting.indexOf(wake);
        if (at >= 0) waiting.splice(at, 1);
        if (signal?.aborted) throw new Fault("aborted", "the client went away while it waited");
        if ((runtime = take())) return runtime;
      }
    },
    release(runtime) {
      if (runtime.abandoned) return;
      runtime.idleSince = Date.now();
      // One a fault left without an instance goes to the back of the line: its refill runs after
      // this answer, and meanwhile a healthy one serves.
      if (runtime.stale()) idle.unshift(runtime);
      else idle.push(runtime);
      shrink(runtime.idleSince);
      waiting.shift()?.();
    },
    // A runtime whose request's client went away mid-call: workerd cancels that request, so its
    // call never resumes and never releases it. It leaves the pool (the cap counts it no more).
    abandon,
  };
}

