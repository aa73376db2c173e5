// The JavaScript twin of examples/proxy's routes that bench/trust.mjs measures: `/`, `/slow`
// (waits for the origin's /slow) and `/origin/<path>` (the origin's answer read whole, as the
// Rust handler reads it into wasm). Served with the proxy's services.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname == "/") return new Response("ok");
    if (url.pathname == "/slow" || url.pathname.startsWith("/origin/")) {
      const path = url.pathname == "/slow" ? "/slow" : url.pathname.slice(7);
      const answer = await fetch(`${env.ORIGIN}${path}${url.search}`);
      return new Response(await answer.arrayBuffer(), { status: answer.status, headers: { "x-tinyworker": "proxied" } });
    }
    return new Response("not found\n", { status: 404 });
  },
};
