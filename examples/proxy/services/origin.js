// The local origin of examples/proxy (served as a second Worker by the same workerd):
//   /x               200 "origin x"
//   /echo            200, the method, headers and body it got, as JSON (the body in hex)
//   /binary          200, bytes 0..255 as application/octet-stream
//   /status/<n>      <n>, "status <n>", header x-origin: yes
//   /slow?ms=<n>     200 "slow <n>" after <n> ms
//   /many-headers    203 "many", with 16 headers: x-h1 .. x-h13, two set-cookie, content-type
//   /digest          200, the SHA-256 of the body it got, lowercase hex, and its length
//   /big?mib=<n>     200, n MiB (fractions allowed) of deterministic bytes, streamed: byte k is
//                    (7k + 3) mod 256
const PATTERN = Uint8Array.from({ length: 65536 }, (_, k) => (7 * k + 3) & 255);

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
    if (path === "/digest") {
      // Hashed as it arrives where the platform can (workerd's DigestStream): an upload of any
      // length costs the origin no memory; elsewhere (Node) read whole.
      let digest, length = 0;
      if (globalThis.crypto.DigestStream && request.body) {
        const hasher = new crypto.DigestStream("SHA-256");
        const counted = new TransformStream({ transform: (chunk, c) => ((length += chunk.byteLength), c.enqueue(chunk)) });
        await request.body.pipeThrough(counted).pipeTo(hasher);
        digest = await hasher.digest;
      } else {
        const body = await request.arrayBuffer();
        length = body.byteLength;
        digest = await crypto.subtle.digest("SHA-256", body);
      }
      const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
      return new Response(`${hex} ${length}\n`);
    }
    if (path === "/binary") return new Response(Uint8Array.from({ length: 256 }, (_, i) => i), { headers: { "content-type": "application/octet-stream" } });
    if (path.startsWith("/status/")) {
      const status = Number(path.slice(8));
      return new Response(`status ${status}`, { status, headers: { "x-origin": "yes" } });
    }
    if (path === "/many-headers") {
      const headers = new Headers({ "content-type": "text/plain; charset=utf-8" });
      for (let i = 1; i <= 13; i++) headers.set(`x-h${i}`, `value ${i}`);
      headers.append("set-cookie", "a=1; Path=/");
      headers.append("set-cookie", "b=2; Path=/");
      return new Response("many", { status: 203, headers });
    }
    if (path === "/slow") {
      const ms = Number(url.searchParams.get("ms")) || 0;
      await new Promise((resolve) => setTimeout(resolve, ms));
      return new Response(`slow ${ms}`);
    }
    if (path === "/big") {
      const total = Math.round(Number(url.searchParams.get("mib")) * 1048576) || 0;
      let sent = 0;
      const body = new ReadableStream({
        pull(controller) {
          if (sent >= total) return controller.close();
          const n = Math.min(PATTERN.length, total - sent);
          // (The same bytes every time, without a copy: the origin makes no garbage per chunk.)
          controller.enqueue(n == PATTERN.length ? PATTERN : PATTERN.subarray(0, n));
          sent += n;
        },
      });
      return new Response(body, { headers: { "content-type": "application/octet-stream" } });
    }
    return new Response("no such origin route", { status: 404 });
  },
};
