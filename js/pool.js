// The pool of runtimes that serves a module that suspends (JSPI): one instance per request in
// flight, as many as fit a memory budget, a share of them for streamed calls, a bounded queue.
import { Fault } from "./fault.js";
import { createRuntime } from "./runtime.js";

/**
 * A pool of runtimes for a module that suspends: one instance per request in flight. It makes a
 * new instance while the linear memory of all of them (each instance's pages, counted when it is
 * made and again as each call ends, so grown ones are included) stays within `memory` bytes
 * (and their number within `instances`, when given); beyond that up to `queue` requests wait. Streamed calls (a body read in chunks, a streamed
 * answer) hold at most the `streamed` share of it, so slow or absent streaming clients never
 * take what other requests need. A waiting request is woken by the request that releases an
 * instance (workerd delivers that wake-up in the waiting request's own context, since the
 * waiter still has a timer of its own pending: without one it would be cancelled as hung), and
 * by its own timer once a second should a wake-up be lost; one whose client went away leaves the
 * queue at once. Idle instances beyond `warm` are released after `idleMs` without work, and an
 * instance whose memory grew past `grown` bytes over the module's own for one large request is
 * released when that request ends, so the memory goes back.
 */
export function pool(module, options) {
  const { instances = Infinity, memory = 256 << 20, streamed = 0.5, queue = 1024, warm = 4, idleMs = 30_000, grown = 1 << 20 } = options.pool ?? {};
  const all = []; // every runtime (tests, monitoring)
  const idle = []; // idle runtimes, the most recently released last
  const waiting = []; // the wake-up of each queued request, first come first
  const streamWaiting = []; // the same for streamed calls waiting for their share
  let base; // the linear memory of a new instance (the first one's, before any request)
  let streams = 0; // runtimes held by streamed calls
  let used = 0; // the linear memory of the runtimes in `all`, as each was last counted
  // Counts `runtime`'s memory as it is now (made, or its call ended); it joins `all` if not in it.
  const count = (runtime, now = runtime.memory()) => {
    runtime.counted ?? all.push(runtime);
    used += now - ~~runtime.counted;
    runtime.counted = now;
  };
  // (No spare per runtime: the pool's other instances stand in while a faulted one is refilled.)
  const create = () => {
    const runtime = createRuntime(module, { ...options, spare: false });
    base ??= runtime.memory();
    count(runtime);
    return runtime;
  };
  // Whether one more instance fits: the memory of all of them and of a new one. (A sum kept as
  // runtimes come, go and end their calls: read for every request, it cost O(n²) when 1,300
  // abandoned calls ended at once: 175 ms of workerd CPU.)
  const room = () => all.length < instances && used + (base ?? 0) <= memory;
  // How many streamed calls may hold an instance at once.
  const streamCap = () => Math.max(1, Math.floor((Math.min(instances, memory / (base || memory)) * streamed)));
  const forget = (runtime) => {
    const at = all.indexOf(runtime);
    if (at < 0) return;
    all.splice(at, 1);
    used -= runtime.counted;
    runtime.counted = undefined;
  };
  // After the platform killed execution (for CPU), a runtime whose call was in flight never
  // resumes and is never released: each leaves the pool (as an abandoned one), and the
  // runtimes' words are cleared as each next call begins.
  const sweep = () => {
    for (const runtime of [...all]) if (!idle.includes(runtime) && runtime.killed()) abandon(runtime);
  };
  const abandon = (runtime) => {
    if (runtime.abandoned) return;
    runtime.abandoned = true;
    if (runtime.streamed) {
      runtime.streamed = false;
      streams--;
      streamWaiting.shift()?.();
    }
    forget(runtime);
    waiting.shift()?.();
  };
  // A runtime for a call (a streamed one only within the streamed share), or null.
  const take = (stream) => {
    if (stream && streams >= streamCap()) return null;
    let runtime = idle.pop();
    if (runtime?.killed()) sweep();
    runtime ??= room() ? create() : null;
    if (runtime && stream) {
      runtime.streamed = true;
      streams++;
    }
    return runtime;
  };
  // Waits in `line` until woken (by a release), or for a second should a wake-up be lost;
  // throws an "aborted" Fault when the client went away meanwhile. `first`: at the front (a
  // request woken for nothing, another having taken the instance first, keeps its place).
  const wait = async (line, signal, first) => {
    let wake, timer;
    const woken = new Promise((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, 1000);
    });
    if (first) line.unshift(wake);
    else line.push(wake);
    // (Left attached: a wake-up after this one changes nothing.)
    signal?.addEventListener("abort", wake, { once: true });
    await woken;
    clearTimeout(timer);
    const at = line.indexOf(wake);
    if (at >= 0) line.splice(at, 1);
    if (signal?.aborted) throw new Fault("aborted", "the client went away while it waited");
  };
  // Releases idle runtimes beyond `warm` that have had no work for `idleMs` (the oldest first).
  const shrink = (now) => {
    while (idle.length > warm && now - idle[0].idleSince > idleMs) forget(idle.shift());
  };
  return {
    all,
    take,
    /**
     * A runtime for one request (`stream`: a streamed call, within the streamed share): an
     * idle one, or a new one within the memory budget; else the request waits for one. Resolves
     * to null when `queue` requests wait already; throws an "aborted" Fault when the client went
     * away while it waited (it never starts).
     */
    async acquire(signal, stream) {
      let runtime = take(stream);
      if (runtime || waiting.length + streamWaiting.length >= queue) return runtime;
      for (let again = false; ; again = true) {
        // A streamed call waits for the share first (on a line of its own, woken as streamed
        // calls end), then, like any call, for an instance.
        const line = stream && streams >= streamCap() ? streamWaiting : waiting;
        await wait(line, signal, again && line == waiting);
        if ((runtime = take(stream))) return runtime;
      }
    },
    /**
     * Counts `runtime`'s call as streamed from now on (it began a streamed answer); false when
     * the streamed share is full (the call is refused a stream).
     */
    stream(runtime) {
      if (runtime.streamed) return true;
      if (streams >= streamCap()) return false;
      runtime.streamed = true;
      streams++;
      return true;
    },
    release(runtime) {
      // A call that was abandoned (its client went away) and ended after all: its instance comes
      // back if it fits.
      if (runtime.abandoned) {
        if (!room() || runtime.stale()) return;
        runtime.abandoned = false;
      }
      count(runtime);
      if (runtime.streamed) {
        runtime.streamed = false;
        streams--;
        streamWaiting.shift()?.();
      }
      runtime.idleSince = Date.now();
      if (runtime.memory() > base + grown) {
        // Grown for one large request: released, so its memory goes back (a new instance of
        // the module's own size serves the next).
        forget(runtime);
      } else if (runtime.stale()) {
        // One a fault left without an instance goes to the back of the line: its refill runs
        // after this answer, and meanwhile a healthy one serves.
        idle.unshift(runtime);
      } else {
        idle.push(runtime);
      }
      shrink(runtime.idleSince);
      waiting.shift()?.();
    },
    // A runtime whose request's client went away mid-call and whose call did not end: it
    // leaves the pool (the budget counts it no more).
    abandon,
  };
}
