// The JavaScript twin of examples/bindings: the same routes making the same calls of the same
// bindings in plain JavaScript, so the tests can compare the Rust handler's answers with what a
// JavaScript Worker gets (test/e2e/bindings.test.mjs). Not shipped with the example.
import { connect } from "cloudflare:sockets";

const octets = { "content-type": "application/octet-stream" };
const text = (body, status = 200) => new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });

async function notes(env) {
  await env.DB.exec("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL)");
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const path = url.pathname;
    const param = (name) => url.searchParams.get(name);
    if (path.startsWith("/r2/")) {
      const key = path.slice(4);
      if (request.method == "PUT") {
        const owner = request.headers.get("x-owner");
        await env.BUCKET.put(key, await request.arrayBuffer(), { httpMetadata: { contentType: request.headers.get("content-type") ?? undefined }, customMetadata: owner !== null ? { owner } : {} });
        return text("stored\n", 201);
      }
      if (request.method == "GET" || request.method == "HEAD") {
        const head = request.method == "HEAD";
        const object = head ? await env.BUCKET.head(key) : await env.BUCKET.get(key);
        if (!object) return text("absent\n", 404);
        const headers = { etag: object.httpEtag };
        if (object.httpMetadata?.contentType) headers["content-type"] = object.httpMetadata.contentType;
        if (head) headers["x-size"] = String(object.size);
        if (object.customMetadata?.owner !== undefined) headers["x-owner"] = object.customMetadata.owner;
        return new Response(head ? null : await object.arrayBuffer(), { headers });
      }
      if (request.method == "DELETE") {
        await env.BUCKET.delete(key);
        return new Response(null, { status: 204 });
      }
      return text("method not allowed: GET, HEAD, PUT or DELETE\n", 405);
    }
    if (path.startsWith("/r2-stream/")) {
      const object = await env.BUCKET.get(path.slice(11));
      if (!object) return text("no such object\n", 404);
      return new Response(object.body, { headers: { "content-type": object.httpMetadata?.contentType ?? "application/octet-stream", etag: object.httpEtag } });
    }
    if (path.startsWith("/r2-range/")) {
      const object = await env.BUCKET.get(path.slice(10), { range: { offset: Number(param("offset")), length: Number(param("length")) } });
      return object ? new Response(await object.arrayBuffer()) : text("absent\n", 404);
    }
    if (path.startsWith("/r2-if/")) {
      const key = path.slice(7);
      const unquoted = (etag) => etag?.replace(/^W\//, "").replace(/^"+|"+$/g, "");
      const h = (name) => request.headers.get(name) ?? undefined;
      const onlyIf = h("if-match") !== undefined || h("if-none-match") !== undefined ? { etagMatches: unquoted(h("if-match")), etagDoesNotMatch: unquoted(h("if-none-match")) } : undefined;
      if (request.method == "PUT") {
        const storageClass = h("x-storage-class");
        if (storageClass !== undefined && storageClass != "Standard" && storageClass != "InfrequentAccess") return text("Standard or InfrequentAccess\n", 400);
        const httpMetadata = { contentType: h("content-type"), cacheControl: h("cache-control"), contentLanguage: h("content-language"), contentDisposition: h("content-disposition") };
        let object;
        try {
          object = await env.BUCKET.put(key, await request.arrayBuffer(), { httpMetadata, customMetadata: {}, sha256: h("x-sha256"), storageClass, onlyIf });
        } catch (e) {
          if (h("x-sha256") !== undefined) return text("checksum mismatch\n", 400);
          throw e;
        }
        return object ? new Response("stored\n", { status: 201, headers: { "content-type": "text/plain; charset=utf-8", etag: object.httpEtag } }) : text("precondition failed\n", 412);
      }
      const suffix = param("suffix");
      if (suffix !== null && !/^[0-9]+$/.test(suffix)) return text("bad request\n", 400);
      const object = await env.BUCKET.get(key, { range: suffix !== null ? { suffix: Number(suffix) } : undefined, onlyIf });
      if (!object) return text("absent\n", 404);
      if (!("body" in object)) return new Response(null, { status: 304, headers: { etag: object.httpEtag } });
      const headers = { "content-type": "application/octet-stream", etag: object.httpEtag, "x-storage-class": object.storageClass };
      const m = object.httpMetadata ?? {};
      for (const [name, field] of [["content-type", "contentType"], ["cache-control", "cacheControl"], ["content-language", "contentLanguage"], ["content-disposition", "contentDisposition"]]) if (m[field] !== undefined) headers[name] = m[field];
      return new Response(await object.arrayBuffer(), { headers });
    }
    if (path == "/d1/session") {
      await notes(env);
      const start = param("bookmark") ?? (param("start") == "primary" ? "first-primary" : "first-unconstrained");
      const session = env.DB.withSession(start);
      const row = await session.prepare("SELECT COUNT(*) AS n FROM notes").first();
      const bookmark = session.getBookmark();
      return new Response(String(row?.n ?? 0), { headers: { "content-type": "text/plain; charset=utf-8", ...(bookmark ? { "x-bookmark": bookmark } : {}) } });
    }
    if (path == "/r2-list") {
      const limit = param("limit");
      const include = param("include") !== null;
      const lines = [];
      for (let cursor; ; ) {
        const listing = await env.BUCKET.list({ prefix: param("prefix") ?? undefined, delimiter: param("delimiter") ?? undefined, limit: limit ? Number(limit) : undefined, cursor, startAfter: param("after") ?? undefined, include: include ? ["httpMetadata", "customMetadata"] : undefined });
        const line = (o) => include ? `${o.key} type=${o.httpMetadata?.contentType ?? "-"} owner=${o.customMetadata?.owner ?? "-"}\n` : `${o.key}\n`;
        lines.push(...listing.objects.map(line), ...listing.delimitedPrefixes.map((p) => `prefix ${p}\n`));
        if (!listing.truncated) break;
        if (param("pages") === null) { lines.push("truncated\n"); break; }
        cursor = listing.cursor;
        lines.push("page\n");
      }
      return text(lines.join(""));
    }
    if (path == "/r2-many" && request.method == "DELETE") {
      await env.BUCKET.delete((param("keys") ?? "").split(",").filter(Boolean));
      return new Response(null, { status: 204 });
    }
    if (path.startsWith("/d1/int/")) {
      // An integer stored and read back exactly, or a 400: D1 takes numbers, so one past
      // Number.MAX_SAFE_INTEGER would be stored rounded.
      const raw = path.slice(8);
      if (!/^-?[0-9]{1,19}$/.test(raw)) return text("an integer, please\n", 400);
      if (!Number.isSafeInteger(Number(raw))) return text("bad request\n", 400);
      await env.DB.exec("CREATE TABLE IF NOT EXISTS ints (id INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER NOT NULL)");
      const row = await env.DB.prepare("INSERT INTO ints (n) VALUES (?) RETURNING n").bind(Number(raw)).first();
      return text(String(row.n));
    }
    if (path == "/d1/typed" || path.startsWith("/d1/typed/") || path == "/d1/clear") {
      await notes(env);
      await env.DB.exec("CREATE TABLE IF NOT EXISTS typed (id INTEGER PRIMARY KEY AUTOINCREMENT, n REAL, z TEXT, t TEXT)");
      if (path == "/d1/typed") {
        const { meta } = await env.DB.prepare("INSERT INTO typed (n, z, t) VALUES (?, ?, ?)").bind(1.5, null, await request.text()).run();
        return text(String(meta.last_row_id), 201);
      }
      if (path == "/d1/clear") return text(String((await env.DB.prepare("DELETE FROM notes").run()).meta.changes));
      const row = await env.DB.prepare("SELECT * FROM typed WHERE id = ?").bind(Number(path.slice(10))).first();
      return row ? text(JSON.stringify(row)) : text("no such row\n", 404);
    }
    if (path == "/d1/batch" || path == "/d1/all" || path.startsWith("/d1/blob")) {
      await notes(env);
      await env.DB.exec("CREATE TABLE IF NOT EXISTS blobs (id INTEGER PRIMARY KEY AUTOINCREMENT, data BLOB)");
      if (path == "/d1/batch") {
        const insert = env.DB.prepare("INSERT INTO notes (text) VALUES (?) RETURNING id");
        const lines = (await request.text()).split("\n").filter(Boolean);
        const results = await env.DB.batch(lines.map((line) => insert.bind(line)));
        return text(results.map((r) => `${r.results[0].id}\n`).join(""), 201);
      }
      if (path == "/d1/all") {
        const { results } = await env.DB.prepare("SELECT id, text FROM notes ORDER BY id").all();
        return text(results.map((r) => `${r.id} ${r.text}\n`).join(""));
      }
      if (path == "/d1/blob") {
        const { meta } = await env.DB.prepare("INSERT INTO blobs (data) VALUES (?)").bind(new Uint8Array(await request.arrayBuffer())).run();
        return text(String(meta.last_row_id), 201);
      }
      const row = await env.DB.prepare("SELECT data FROM blobs WHERE id = ?").bind(Number(path.slice(9))).first();
      if (!row) return text("no such blob\n", 404);
      const data = row.data;
      const kind = data === null ? "null" : typeof data == "string" ? "text" : typeof data == "number" ? "number" : "blob";
      const body = kind == "blob" ? Uint8Array.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data) : kind == "null" ? null : String(data);
      return new Response(body, { headers: { ...octets, "x-kind": kind } });
    }
    if (path == "/d1/exec" || path == "/d1/raw" || path.startsWith("/d1/first/")) {
      await notes(env);
      if (path == "/d1/exec") {
        const schema = "CREATE TABLE IF NOT EXISTS tags (id INTEGER PRIMARY KEY, tag TEXT)\nCREATE INDEX IF NOT EXISTS tags_by_tag ON tags (tag)\nDELETE FROM tags";
        return text(String((await env.DB.exec(schema)).count));
      }
      const json = (value) => new Response(JSON.stringify(value), { headers: { "content-type": "application/json" } });
      const query = env.DB.prepare("SELECT id, text FROM notes ORDER BY id");
      if (path == "/d1/raw") return json(await query.raw({ columnNames: url.search == "?columns" }));
      const value = await query.first(path.slice(10));
      return value === null ? text("no rows\n", 404) : json(value);
    }
    if (path.startsWith("/d1/")) {
      await notes(env);
      if (path == "/d1/notes" && request.method == "POST") {
        const { meta } = await env.DB.prepare("INSERT INTO notes (text) VALUES (?)").bind(await request.text()).run();
        return text(String(meta.last_row_id), 201);
      }
      if (path == "/d1/count") return text(String((await env.DB.prepare("SELECT COUNT(*) AS n FROM notes").first())?.n ?? 0));
      const row = await env.DB.prepare("SELECT text FROM notes WHERE id = ?").bind(Number(path.slice(10))).first();
      return row ? text(row.text) : text("no such note\n", 404);
    }
    if (path.startsWith("/kv/")) {
      const key = path.slice(4);
      if (request.method == "GET") {
        const value = await env.KV.get(key, "arrayBuffer");
        return value === null ? text("absent\n", 404) : new Response(value, { headers: octets });
      }
      if (request.method == "PUT") {
        const ttl = param("ttl");
        const metadata = request.headers.get("x-metadata");
        const expiration = param("expiration");
        await env.KV.put(key, new Uint8Array(await request.arrayBuffer()), { expiration: expiration ? Number(expiration) : undefined, expirationTtl: ttl ? Number(ttl) : undefined, metadata: metadata ? JSON.parse(metadata) : undefined });
        return text("stored\n", 201);
      }
      if (request.method == "DELETE") {
        await env.KV.delete(key);
        return new Response(null, { status: 204 });
      }
      return text("method not allowed: GET, PUT or DELETE\n", 405);
    }
    if (path.startsWith("/kv-text/")) {
      const value = await env.KV.get(path.slice(9), "text");
      return value === null ? text("absent\n", 404) : text(value);
    }
    if (path == "/queue-json" && request.method == "POST") {
      await env.QUEUE.send(JSON.parse(await request.text()), { contentType: "json", delaySeconds: Number(param("delay") ?? 0) });
      return text("sent\n", 202);
    }
    if (path == "/monotonic") return text(performance.now() >= 0 ? "ok" : "backwards");
    if (path.startsWith("/kv-meta/")) {
      const { value, metadata } = await env.KV.getWithMetadata(path.slice(9), "arrayBuffer");
      return value === null ? text("absent\n", 404) : text(JSON.stringify(metadata ?? null));
    }
    if (path == "/kv-list") {
      const limit = param("limit");
      const lines = [];
      for (let cursor = param("cursor") ?? undefined; ; ) {
        const listing = await env.KV.list({ prefix: param("prefix") ?? undefined, limit: limit ? Number(limit) : undefined, cursor });
        lines.push(...listing.keys.map((k) => `${k.name}\n`));
        if (listing.list_complete) break;
        if (param("pages") === null) { lines.push("more\n"); break; }
        cursor = listing.cursor;
        lines.push("page\n");
      }
      return text(lines.join(""));
    }
    if (path.startsWith("/cache/")) {
      const key = `https://cache.tinyworker.test/${path.slice(7)}`;
      const cache = param("cache") ? await caches.open(param("cache")) : caches.default;
      if (request.method == "GET") {
        const cached = await cache.match(key);
        return cached ? new Response(await cached.arrayBuffer(), { headers: octets }) : text("miss\n", 404);
      }
      if (request.method == "PUT") {
        await cache.put(key, new Response(await request.arrayBuffer(), { status: 200, headers: { "cache-control": "max-age=3600" } }));
        return text("cached\n", 201);
      }
      return text(String(await cache.delete(key)));
    }
    if (path.startsWith("/rpc/")) return text(await env.GREETER.hello(path.slice(5)));
    if (path.startsWith("/host/")) return text(`looked up ${path.slice(6)}`);
    if (path.startsWith("/static/")) return env.ASSETS.fetch(request);
    if (path.startsWith("/asset/")) return env.ASSETS.fetch(`https://assets.local/static/${path.slice(7)}`);
    if (path == "/hyperdrive" && request.method == "GET") {
      const db = env.HYPERDRIVE;
      return text(`${db.user} ${db.database} ${db.port} ${db.connectionString.includes(db.user) ? "named" : "unnamed"}\n`);
    }
    if (path == "/hyperdrive") {
      const socket = env.HYPERDRIVE.connect();
      await socket.opened;
      await socket.writable.getWriter().write(new Uint8Array(await request.arrayBuffer()));
      const { value } = await socket.readable.getReader().read();
      await socket.close();
      return text(value ?? "");
    }
    const transport = /^\/(tcp|tls|starttls)\//.exec(path)?.[1];
    if (transport && request.method == "POST") {
      const secureTransport = { tcp: "off", tls: "on", starttls: "starttls" }[transport];
      let socket;
      try {
        socket = connect(path.slice(transport.length + 2), { secureTransport, allowHalfOpen: false });
        await socket.opened;
      } catch {
        return text("could not connect\n", 502);
      }
      try {
        if (secureTransport == "starttls") {
          const writer = socket.writable.getWriter();
          await writer.write(new TextEncoder().encode("STARTTLS\r\n"));
          const reader = socket.readable.getReader();
          await reader.read();
          writer.releaseLock();
          reader.releaseLock();
          socket = socket.startTls();
        }
        await socket.writable.getWriter().write(new Uint8Array(await request.arrayBuffer()));
        const { value } = await socket.readable.getReader().read();
        await socket.close();
        return text(value ?? "");
      } catch {
        return text("the exchange failed\n", 502);
      }
    }
    if (path == "/queue-batch" && request.method == "POST") {
      const lines = (await request.text()).split("\n").filter(Boolean);
      await env.QUEUE.sendBatch(lines.map((body) => ({ body, contentType: "text", delaySeconds: 0 })));
      return text("sent\n", 202);
    }
    if (path.startsWith("/var-json/")) {
      const value = env[path.slice(10)];
      if (value === undefined) return text("no such variable\n", 404);
      return new Response(JSON.stringify(value), { headers: { "content-type": "application/json" } });
    }
    if (path.startsWith("/sleep/")) {
      const ms = /^[0-9]{1,10}$/.test(path.slice(7)) ? Number(path.slice(7)) : NaN;
      if (!(ms <= 5000)) return text("milliseconds, at most 5000\n", 400);
      await scheduler.wait(ms);
      return text("slept\n");
    }
    if (path == "/error-name") {
      try {
        JSON.parse("{");
        return text("JSON took it\n", 500);
      } catch (e) {
        return text(e.name);
      }
    }
    if (path.startsWith("/random/")) return new Response(crypto.getRandomValues(new Uint8Array(Number(path.slice(8)))), { headers: octets });
    if (path == "/queue" && request.method == "POST") {
      await env.QUEUE.send(new Uint8Array(await request.arrayBuffer()), { contentType: "bytes", delaySeconds: 0 });
      return text("sent\n", 202);
    }
    if (path == "/sha256" && request.method == "POST") {
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await request.arrayBuffer()));
      return text([...digest].map((b) => b.toString(16).padStart(2, "0")).join(""));
    }
    if (path == "/time") return text(String(Date.now()));
    if (path == "/") return text("ok\n");
    return text("not found\n", 404);
  },

  // The queue consumer: logs and acknowledges each message (the Rust one also injects faults).
  async queue(batch, env) {
    for (const message of batch.messages) {
      const body = typeof message.body == "string" ? message.body : JSON.stringify(message.body);
      await env.QUEUE_LOG.put(`${String(message.timestamp.getTime()).padStart(15, "0")}/${message.id}/${message.attempts}`, body);
      message.ack();
    }
  },
};
