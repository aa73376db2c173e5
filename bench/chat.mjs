// Broadcasts through one chat room (examples/chat) against its JavaScript twin
// (examples/chat/twin.js), both under wrangler dev, alternating rounds: CLIENTS sockets join one
// room, one of them sends MESSAGES messages, and the round ends when every socket has received
// every message. Prints { chat_msgs_per_s, chat_msgs_per_s_js, chat_msgs_ratio } as JSON.
// Usage (Node >= 22, for its WebSocket): node bench/chat.mjs [rounds]
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { ROOT, dirOf } from "../harness/builds.mjs";
import { startWranglerDev } from "../harness/servers.mjs";

const ROUNDS = Number(process.argv[2] ?? 6);
const CLIENTS = 10, MESSAGES = 1000;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** One round on `server`, room `room`: broadcast messages per second. */
async function round(server, room) {
  const url = `${server.base.replace("http", "ws")}/room/${room}`;
  const sockets = await Promise.all(
    Array.from({ length: CLIENTS }, () => new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.received = 0;
      socket.addEventListener("message", () => socket.received++);
      socket.addEventListener("open", () => resolve(socket), { once: true });
      socket.addEventListener("error", reject, { once: true });
    })),
  );
  const start = performance.now();
  for (let i = 0; i < MESSAGES; i++) sockets[0].send(`message ${i}`);
  const deadline = start + 120_000;
  while (sockets.some((s) => s.received < MESSAGES) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 2));
  const seconds = (performance.now() - start) / 1000;
  if (sockets.some((s) => s.received < MESSAGES)) throw new Error(`room ${room}: not every message arrived`);
  for (const s of sockets) s.close();
  return MESSAGES / seconds;
}

const twin = `${ROOT}/build/chat-twin`;
mkdirSync(twin, { recursive: true });
copyFileSync(`${ROOT}/examples/chat/twin.js`, `${twin}/worker.js`);
writeFileSync(`${twin}/wrangler.toml`, readFileSync(`${dirOf("chat")}/wrangler.toml`, "utf8").replace('name = "tinyworker-chat"', 'name = "tinyworker-chat-twin"'));
const pin = cpus().length >= 2 ? "1" : undefined;
const persist = (name) => (rmSync(`${ROOT}/build/bench/${name}-state`, { recursive: true, force: true }), `${ROOT}/build/bench/${name}-state`);
const servers = { rust: await startWranglerDev(dirOf("chat"), { persist: persist("chat"), pin }), js: await startWranglerDev(twin, { persist: persist("chat-twin"), pin }) };
const rates = { rust: [], js: [] };
try {
  for (const server of Object.values(servers)) await round(server, "warm");
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of r % 2 ? ["js", "rust"] : ["rust", "js"]) rates[name].push(await round(servers[name], `r${r}`));
  }
} finally {
  for (const server of Object.values(servers)) await server.stop();
}
const ratios = rates.rust.map((x, i) => x / rates.js[i]);
console.log(JSON.stringify({ chat_msgs_per_s: Math.round(median(rates.rust)), chat_msgs_per_s_js: Math.round(median(rates.js)), chat_msgs_ratio: Number(median(ratios).toFixed(2)) }));
