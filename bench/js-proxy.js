// The baseline of rps_proxy_ratio: a plain JavaScript Worker doing what examples/proxy does for
// GET /origin/<path>: forward the request to the same origin, copy the answer's status,
// headers and body, add x-tinyworker. Served with the proxy's services (bench/run.mjs).
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (!url.pathname.startsWith("/origin/")) return new Response("not found\n", { status: 404 });
    const headers = new Headers(request.headers);
    for (const name of ["host", "connection", "content-length", "transfer-encoding", "keep-alive"]) headers.delete(name);
    const answer = await fetch(`${env.ORIGIN}${url.pathname.slice(7)}${url.search}`, { method: request.method, headers });
    const out = new Headers(answer.headers);
    out.delete("content-length");
    out.set("x-tinyworker", "proxied");
    return new Response(await answer.arrayBuffer(), { status: answer.status, headers: out });
  },
};
