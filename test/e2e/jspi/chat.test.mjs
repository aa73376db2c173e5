// examples/chat under wrangler dev, both builds (on Node 24 for its WebSocket client): 50 clients
// in 5 rooms exchange 5,000 messages and each receives every message of its room, in order,
// exactly once; the room hibernates (its instance goes) between bursts and loses no socket and no
// history; a message that makes the handler fault closes only that socket (1011); an alarm that
// faults after writing leaves no write and runs again; the history survives a restart.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dirOf } from "../../../harness/builds.mjs";
import { startWranglerDev } from "../../../harness/servers.mjs";
import { TEST_BUILDS } from "./helpers.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ROOMS = 5, CLIENTS = 10, MESSAGES = 50; // per burst: 50 × 10 × 5 = 2,500; two bursts

/** A client of room `room`: what it received, and how it closed. */
async function join_(base, room) {
  const socket = new WebSocket(`${base.replace("http", "ws")}/room/${room}`);
  const client = { socket, received: [], closed: null };
  socket.addEventListener("message", (e) => client.received.push(e.data));
  client.closing = new Promise((resolve) => socket.addEventListener("close", (e) => resolve((client.closed = e.code))));
  await new Promise((resolve, reject) => {
    socket.addEventListener("open", resolve, { once: true });
    socket.addEventListener("error", () => reject(new Error(`room ${room}: the socket failed`)), { once: true });
  });
  return client;
}

/** Waits (up to `seconds`) until `done()`. */
async function until(done, seconds = 60) {
  const deadline = Date.now() + seconds * 1000;
  while (!done() && Date.now() < deadline) await sleep(50);
  return done();
}

/** Every client sends MESSAGES messages (`<room>:<client>:<burst>:<i>`); waits for delivery. */
async function burst(clients, burstNo) {
  const start = clients.map((c) => c.received.length);
  for (let i = 0; i < MESSAGES; i++) for (const c of clients) c.socket.send(`${c.room}:${c.id}:${burstNo}:${i}`);
  const expected = CLIENTS * MESSAGES;
  assert.ok(await until(() => clients.every((c, k) => c.received.length - start[k] >= expected)), "every client received its room's messages");
  await sleep(300); // nothing more arrives (no duplicates)
  clients.forEach((c, k) => assert.equal(c.received.length - start[k], expected, `client ${c.room}/${c.id}: exactly once`));
}

/** Every client of a room saw the same sequence, each sender's messages in the order sent. */
function checkOrder(clients) {
  for (let r = 0; r < ROOMS; r++) {
    const room = clients.filter((c) => c.room == `r${r}`);
    const sequence = room[0].received;
    for (const c of room) assert.deepEqual(c.received, sequence, "one order for the whole room");
    const last = new Map();
    for (const m of sequence) {
      const [, sender, b, i] = m.split(":");
      const key = `${sender}:${b}`;
      assert.equal(Number(i), (last.get(key) ?? -1) + 1, `sender ${key} in order`);
      last.set(key, Number(i));
    }
  }
}

for (const build of TEST_BUILDS) {
  test(`wrangler dev, ${build} build: a chat of 50 clients in 5 rooms, hibernation, faults, alarms, a restart`, { timeout: 300_000 }, async () => {
    const persist = mkdtempSync(join(tmpdir(), `chat-${build}-`));
    let server = await startWranglerDev(dirOf("chat", "talc", build), { persist });
    const clients = [];
    try {
      for (let r = 0; r < ROOMS; r++) {
        for (let c = 0; c < CLIENTS; c++) clients.push(Object.assign(await join_(server.base, `r${r}`), { room: `r${r}`, id: c }));
      }
      const instance = async (room) => (await server.get(`/room/${room}/instance`))[1];
      const before = await instance("r0");
      // A socket that joined with a name keeps it (its attachment) across hibernation.
      const named = await join_(server.base, "named?as=alice");
      const namedBefore = await instance("named");
      await burst(clients, 0);
      // Idle: workerd evicts a room whose sockets are all hibernatable (~10 s here).
      await sleep(15_000);
      assert.notEqual(await instance("r0"), before, "the room's instance went while it was idle");
      assert.notEqual(await instance("named"), namedBefore, "the named room's instance went too");
      named.socket.send("/whoami");
      assert.ok(await until(() => named.received.at(-1) == "alice"), `the name came back: ${named.received}`);
      named.socket.send("/name bob é");
      named.socket.send("/whoami");
      assert.ok(await until(() => named.received.at(-1) == "bob é"), `the new name: ${named.received}`);
      const anonymous = await join_(server.base, "named");
      anonymous.socket.send("/whoami");
      assert.ok(await until(() => anonymous.received.at(-1) == "anonymous"));
      await sleep(300);
      assert.deepEqual(named.received, ["alice", "bob é"], "answered to its sender alone, never broadcast");
      assert.deepEqual(await server.get("/room/named/history"), [200, ""], "nor stored");
      named.socket.close();
      anonymous.socket.close();
      await burst(clients, 1);
      checkOrder(clients);
      assert.ok(clients.every((c) => c.closed === null), "no socket was lost");
      // The platform answers ping without waking the room.
      const pinger = clients[1];
      const pings = pinger.received.length;
      pinger.socket.send("ping");
      assert.ok(await until(() => pinger.received.at(-1) == "pong"));
      assert.equal(pinger.received.length, pings + 1);

      // A message that faults closes its own socket with 1011; the others keep working.
      for (const kind of ["panic", "abort", "oom", "trap"]) {
        const victim = await join_(server.base, "r0");
        victim.socket.send(`/${kind}`);
        assert.equal(await victim.closing, 1011, `/${kind} closes its socket with 1011`);
        const sender = clients[0];
        const counts = clients.map((c) => c.received.length);
        sender.socket.send(`after ${kind}`);
        const room = clients.filter((c) => c.room == "r0");
        assert.ok(await until(() => room.every((c) => c.received.at(-1) == `after ${kind}`)), `after /${kind}, r0 still broadcasts`);
        assert.ok(clients.filter((c) => c.room != "r0").every((c) => c.received.length == counts[clients.indexOf(c)]), "other rooms untouched");
      }
      const panicked = /tinyworker: fault [0-9a-f]{8}: panic: asked to panic/;
      assert.match(await server.logged(panicked), panicked); // (logged after the close)
      assert.ok(clients.every((c) => c.closed === null), "no other socket was closed");

      // The history: the newest 1,000 of r0, oldest first, as every client of it received them.
      const r0 = clients.find((c) => c.room == "r0").received.filter((m) => m != "pong");
      assert.equal(r0.length, 1004);
      let history;
      const trimmed = Date.now() + 20_000; // (the alarm trims a second after a message)
      while ((history = (await server.get("/room/r0/history"))[1]).split("\n").length > 1001 && Date.now() < trimmed) await sleep(200);
      assert.deepEqual(history.split("\n").slice(0, -1), r0.slice(-1000));

      // The module imports `tinyworker::io` (the room's /io), and its SQL classes, served
      // without `io: true`, still start (they once refused to); the room's subrequest is
      // refused, not waited for.
      assert.deepEqual(await server.get("/room/r0/io"), [409, "a room cannot wait for I/O\n"]);

      // An alarm that faults after writing: its write rolls back, the platform runs it again.
      const alarmed = await join_(server.base, "alarmed");
      alarmed.socket.send("/alarm-panic");
      let runs;
      const deadline = Date.now() + 60_000;
      while ((runs = (await server.get("/room/alarmed/alarms"))[1]) == "" && Date.now() < deadline) await sleep(500);
      assert.equal(runs, "run, retry 1\n", "the faulting run wrote nothing; the retry kept its write");
      alarmed.socket.close();
      // An alarm set and deleted in one call: the call reads its delete, and it never runs.
      const cancelling = await join_(server.base, "cancelling");
      cancelling.socket.send("/alarm-cancel");
      const cancelDeadline = Date.now() + 10_000;
      while ((runs = (await server.get("/room/cancelling/alarms"))[1]) == "" && Date.now() < cancelDeadline) await sleep(200);
      assert.equal(runs, "cancelled, none set\n");
      await sleep(3000);
      assert.equal((await server.get("/room/cancelling/alarms"))[1], "cancelled, none set\n", "the deleted alarm never ran");
      cancelling.socket.close();

      // A frame the protocol refuses (a reserved opcode): the room's error handler runs in Rust
      // and notes it; every other socket keeps working.
      const raw = connect(new URL(server.base).port, "127.0.0.1");
      await new Promise((resolve) => raw.once("connect", resolve));
      raw.write("GET /room/r1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
      await new Promise((resolve) => raw.once("data", resolve));
      raw.write(Buffer.from([0x83, 0x80, 1, 2, 3, 4])); // FIN, opcode 3 (reserved), masked, empty
      let errors;
      const errorDeadline = Date.now() + 10_000;
      while ((errors = (await server.get("/room/r1/errors"))[1]) == "" && Date.now() < errorDeadline) await sleep(200);
      raw.destroy();
      assert.notEqual(errors, "", "the error handler noted the refused frame");
      const r1 = clients.filter((c) => c.room == "r1");
      r1[0].socket.send("after an error");
      assert.ok(await until(() => r1.every((c) => c.received.at(-1) == "after an error")), "r1 still broadcasts");

      // A restart: the history is still there.
      for (const c of clients) c.socket.close();
      await server.stop();
      server = await startWranglerDev(dirOf("chat", "talc", build), { persist });
      assert.deepEqual(await server.get("/room/r0/history"), [200, history]);
    } catch (e) {
      e.message += `\n--- wrangler dev output ---\n${server.output().slice(-4000)}`;
      throw e;
    } finally {
      for (const c of clients) c.socket.close();
      await server.stop();
      rmSync(persist, { recursive: true, force: true });
    }
  });
}

for (const build of TEST_BUILDS) {
  test(`wrangler dev, ${build} build: a Durable Object that waits for I/O commits a call's writes when it answers; binary frames; a 16 MB history`, { timeout: 180_000 }, async () => {
    const persist = mkdtempSync(join(tmpdir(), `ledger-${build}-`));
    const server = await startWranglerDev(dirOf("chat", "talc", build), { persist });
    const post = async (path, body) => {
      const response = await fetch(`${server.base}${path}`, { method: "POST", body, signal: AbortSignal.timeout(10_000) });
      return [response.status, await response.text()];
    };
    const sha = async (text) => Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))).toString("hex");
    try {
      // Each add waits for a digest (a Promise), then writes and reads its own writes back.
      for (const n of [1, 2, 3]) assert.deepEqual(await post("/ledger/a/add", `entry ${n}`), [200, `${n}\n`]);
      const entries = [1, 2, 3].map(async (n) => `entry/00000${n} ${await sha(`entry ${n}`)}`);
      assert.deepEqual(await server.get("/ledger/a/entries"), [200, (await Promise.all(entries)).join("\n") + "\n"]);
      // A fault after the writes: nothing of that call is stored, and the next call is right.
      for (const kind of ["panic", "abort", "oom"]) {
        const [status, body] = await post(`/ledger/a/add-then-${kind}`, "lost");
        assert.equal(status, 500, kind);
        assert.match(body, /^internal error \(fault [0-9a-f]{8}\)\n$/);
        assert.deepEqual(await server.get("/ledger/a/count"), [200, "3\n"], `after ${kind}`);
      }
      assert.deepEqual(await post("/ledger/a/add", "entry 4"), [200, "4\n"]);
      // Calls to one object never interleave: 20 at once each see the one before.
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => post("/ledger/b/add", `concurrent ${i}`)));
      assert.deepEqual(answers.map(([s]) => s), Array(20).fill(200));
      assert.deepEqual(answers.map(([, b]) => Number(b)).sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i + 1));
      assert.deepEqual(await server.get("/ledger/b/count"), [200, "20\n"]);
      // Another object's answer, awaited from inside this one.
      const talker = await join_(server.base, "talk");
      talker.socket.send("hello from the room");
      assert.ok(await until(() => talker.received.length == 1));
      assert.deepEqual(await server.get("/ledger/a/history?room=talk"), [200, "hello from the room\n"]);
      talker.socket.close();
      // No SQL in an object whose writes wait for the answer.
      assert.deepEqual(await server.get("/ledger/a/sql"), [409, "no SQL in an object that waits for I/O\n"]);

      // Issue 31, item 6: a binary frame reaches Rust as bytes and is relayed as binary (bytes
      // that are not UTF-8 too); text stays text; the sender is not closed.
      const [a, b] = [await join_(server.base, "binary"), await join_(server.base, "binary")];
      for (const c of [a, b]) c.socket.binaryType = "arraybuffer";
      const raw = Uint8Array.from([0, 255, 128, 1, 0xc3, 0x28, 0x0a]);
      a.socket.send(raw);
      a.socket.send("text stays text");
      assert.ok(await until(() => b.received.length == 2 && a.received.length == 2, 20), `received ${b.received.length}`);
      assert.ok(b.received[0] instanceof ArrayBuffer, `a binary frame arrives as ${typeof b.received[0]}`);
      assert.deepEqual(new Uint8Array(b.received[0]), raw);
      assert.equal(b.received[1], "text stays text");
      assert.equal(a.closed, null, "the sender of bytes that are not UTF-8 is not closed");

      // Issue 31, item 3: a history past the heap (16 messages of 1 MB, which a copy into wasm
      // cannot hold under its 32 MiB heap limit) is answered, byte for byte, as often as asked.
      const big = Array.from({ length: 16 }, (_, i) => `${i}:`.padEnd(1_000_000, String.fromCharCode(97 + i)));
      for (const m of big) a.socket.send(m);
      assert.ok(await until(() => b.received.length == 18, 60), `received ${b.received.length} of 18`);
      const expected = Buffer.concat([raw, Buffer.from("\ntext stays text\n"), Buffer.from(big.map((m) => `${m}\n`).join(""))]);
      for (let i = 0; i < 2; i++) {
        const response = await fetch(`${server.base}/room/binary/history`, { signal: AbortSignal.timeout(30_000) });
        assert.equal(response.status, 200);
        assert.equal(response.headers.get("content-type"), "text/plain;charset=UTF-8");
        const body = Buffer.from(await response.arrayBuffer());
        assert.equal(body.length, expected.length);
        assert.ok(body.equals(expected), "the history, byte for byte");
      }
      a.socket.close();
      b.socket.close();
    } catch (e) {
      e.message += `\n--- wrangler dev output ---\n${server.output().slice(-4000)}`;
      throw e;
    } finally {
      await server.stop();
      rmSync(persist, { recursive: true, force: true });
    }
  });
}
