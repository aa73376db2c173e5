// The JavaScript twin of examples/chat: the same Worker and the same Room, written as a Worker
// author would in plain JavaScript (WebSockets with hibernation, history in SQL, an alarm that
// trims it). `make bench` measures broadcasts through one room of each (chat_msgs_ratio).
import { DurableObject } from "cloudflare:workers";

export default {
  async fetch(request, env) {
    const match = new URL(request.url).pathname.match(/^\/room\/([^/]+)/);
    if (!match) return new Response("chat: GET /room/<name> (WebSocket), /room/<name>/history\n");
    return env.ROOMS.get(env.ROOMS.idFromName(match[1])).fetch(request);
  },
};

export class Room extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec("CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL)");
  }

  async fetch(request) {
    if (new URL(request.url).pathname.endsWith("/history")) {
      const rows = this.sql.exec("SELECT text FROM messages ORDER BY id").toArray();
      return new Response(rows.map((r) => `${r.text}\n`).join(""));
    }
    if (request.headers.get("upgrade") != "websocket") return new Response("a WebSocket upgrade, or /history\n", { status: 426 });
    this.ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }

  async webSocketMessage(ws, message) {
    this.sql.exec("INSERT INTO messages (text) VALUES (?)", message);
    for (const socket of this.ctx.getWebSockets()) {
      try {
        socket.send(message);
      } catch {} // (closing)
    }
    if ((await this.ctx.storage.getAlarm()) == null) await this.ctx.storage.setAlarm(Date.now() + 1000);
  }

  async webSocketClose(ws) {
    try {
      ws.close(1000, "bye");
    } catch {}
  }

  async alarm() {
    this.sql.exec("DELETE FROM messages WHERE id <= (SELECT MAX(id) FROM messages) - 1000");
  }
}

// The ledger class the chat's wrangler.toml also binds; the twin measures rooms only.
export class Ledger extends DurableObject {
  async fetch() {
    return new Response("the twin has no ledger\n", { status: 404 });
  }
}
