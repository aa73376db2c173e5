// The baseline of passthrough_cpu_us_per_mib: a plain JavaScript Worker passing the origin's
// answer through (`return fetch(...)`), served with examples/proxy's services (bench/stream.mjs).
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (!url.pathname.startsWith("/stream/")) return new Response("not found\n", { status: 404 });
    return fetch(`${env.ORIGIN}${url.pathname.slice(7)}${url.search}`);
  },
};
