// The local origin of examples/proxy (served as a second Worker by the same workerd):
//   /x               200 "origin x"
//   /echo            200, the method, headers and body it got, as JSON (the body in hex)
//   /binary          200, bytes 0..255 as application/octet-stream
//   /status/<n>      <n>, "status <n>", header x-origin: yes
//   /slow?ms=<n>     200 "slow <n>" after <n> ms
export default {
  async fetch(request) {
    const url = new URL(request.url);
    const path = url.pathname;
    if (path === "/x") return new Response("origin x", { headers: { "content-type": "text/plain" } });
    if (path === "/echo") {
      const body = new Uint8Array(await request.arrayBuffer());
      const hex = [...body].map((b) => b.toString(16).padStart(2, "0")).join("");
      return Response.json({ method: request.method, headers: Object.fromEntries(request.headers), body: hex });
    }
    if (path === "/binary") return new Response(Uint8Array.from({ length: 256 }, (_, i) => i), { headers: { "content-type": "application/octet-stream" } });
    if (path.startsWith("/status/")) {
      const status = Number(path.slice(8));
      return new Response(`status ${status}`, { status, headers: { "x-origin": "yes" } });
    }
    if (path === "/slow") {
      const ms = Number(url.searchParams.get("ms")) || 0;
      await new Promise((resolve) => setTimeout(resolve, ms));
      return new Response(`slow ${ms}`);
    }
    return new Response("no such origin route", { status: 404 });
  },
};
