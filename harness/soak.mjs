// The fault soak: bounded concurrent load against examples/faults in workerd on 127.0.0.1, ~10 %
// of requests on a random fault route and the rest on `/`, counting every outcome (make soak
// runs it at 100,000 requests, make test at 10,000).
import { readFileSync } from "node:fs";
import { load } from "./http.mjs";
import { FAULT_ROUTES } from "./builds.mjs";
import { startWorkerd } from "./servers.mjs";

/** VmRSS of a process in KiB. */
const rssKiB = (pid) => Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)[1]);

/**
 * Runs the soak; resolves to the counts. Bounded in count (`requests`) and in time
 * (`seconds`: whatever is not sent by then counts as lost).
 */
export async function soak({ requests = 100_000, connections = 8, seconds = 600, alloc = "talc", build = "abort", seed = 1 } = {}) {
  const server = await startWorkerd("faults", alloc, build);
  const counts = { ok_root: 0, ok_fault: 0, lost: 0, wrong_body: 0, fault_route_200: 0, root_500: 0, other_status: 0 };
  const examples = [];
  const note = (kind, detail) => {
    counts[kind]++;
    if (examples.length < 10) examples.push({ kind, ...detail });
  };
  let rng = seed >>> 0 || 1;
  const random = () => ((rng ^= rng << 13), (rng ^= rng >>> 17), (rng ^= rng << 5), (rng >>> 0) / 2 ** 32);
  const plan = Array.from({ length: requests }, () =>
    random() < 0.1 ? FAULT_ROUTES[Math.floor(random() * FAULT_ROUTES.length)] : ["/", "ok"],
  );
  const rss_start_kib = rssKiB(server.pid);
  let run, rss_end_kib;
  try {
    run = await load({
      base: server.base,
      requests,
      connections,
      seconds,
      plan: (i) => plan[i][0],
      seen(i, r) {
        const [path, expected] = plan[i];
        if (r instanceof Error) note("lost", { path, why: String(r) });
        else if (path === "/") {
          if (r.status === 200 && r.body === "ok") counts.ok_root++;
          else if (r.status === 500) note("root_500", { path, body: r.body });
          else note(r.status === 200 ? "wrong_body" : "other_status", { path, status: r.status, body: r.body });
        } else if (r.status === 500 && r.body.includes(expected)) counts.ok_fault++;
        else if (r.status === 200) note("fault_route_200", { path, body: r.body });
        else note(r.status === 500 ? "wrong_body" : "other_status", { path, status: r.status, body: r.body });
      },
    });
    rss_end_kib = rssKiB(server.pid);
  } finally {
    await server.stop();
  }
  counts.lost += run.unsent; // the time bound ran out before these were sent
  return {
    requests, connections, alloc, build,
    ...counts,
    bad: counts.lost + counts.wrong_body + counts.fault_route_200 + counts.root_500 + counts.other_status,
    seconds: Number(run.seconds.toFixed(2)),
    rps: Math.round(run.sent / run.seconds),
    rss_start_kib, rss_end_kib,
    examples,
  };
}

