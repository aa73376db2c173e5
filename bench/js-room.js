// The baseline of rps_durable_ratio: a plain JavaScript Durable Object doing what
// examples/room does for /incr: read the stored counter (8 bytes, little-endian), add one,
// store it, answer it. Routed by ?name=<object> like the room's Worker entry.
export class Room {
  constructor(ctx) {
    this.kv = ctx.storage.kv;
  }
  fetch() {
    const stored = this.kv.get("count");
    const count = (stored ? new DataView(stored.buffer, stored.byteOffset, 8).getBigUint64(0, true) : 0n) + 1n;
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigUint64(0, count, true);
    this.kv.put("count", bytes);
    return new Response(String(count), { headers: { "content-type": "text/plain; charset=utf-8" } });
  }
}

export default {
  fetch(request, env) {
    const name = new URL(request.url).searchParams.get("name") ?? "default";
    return env.ROOM.get(env.ROOM.idFromName(name)).fetch(request);
  },
};
