// The typed bindings that have no local simulator here (rate limiting, Analytics Engine, the
// Secrets Store, Workers AI, Vectorize), from examples/bindings in Node 24 (JSPI), both builds,
// against stand-ins written to the platform's documented shapes: what each Rust call passed (the
// stand-in records it) and what the route made of each answer; an error of a binding is the
// route's error, never a fault; the secret's value never reaches the client.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createWorker } from "tinyworker";
import { TEST_BUILDS, quietly, wasmOf } from "./helpers.mjs";

/** The bindings' stand-ins and what they were asked. */
function platform() {
  const asked = [];
  const counts = new Map();
  const env = {
    // `limit({ key })` answers `{ success }` (Rate Limiting API): two per key here.
    LIMITER: {
      limit: async (options) => {
        asked.push(["limit", options]);
        const n = (counts.get(options.key) ?? 0) + 1;
        counts.set(options.key, n);
        return { success: n <= 2 };
      },
    },
    // `writeDataPoint({ blobs, doubles, indexes })` answers nothing, at once.
    EVENTS: { writeDataPoint: (point) => void asked.push(["writeDataPoint", point]) },
    // `get()` answers the secret's value (Secrets Store).
    API_KEY: { get: async () => "s3cr3t-value" },
    // `run(model, inputs)` answers the model's output object (Workers AI).
    AI: {
      run: async (model, inputs) => {
        asked.push(["run", model, inputs]);
        if (model == "@cf/missing") throw new Error("no such model");
        return { response: `${model} says ${inputs.prompt.length}` };
      },
    },
    // `query(vector, options)` answers `{ count, matches }`; `upsert(vectors)` `{ mutationId }`.
    VECTORS: {
      query: async (vector, options) => {
        asked.push(["query", vector, options]);
        return { count: 1, matches: [{ id: "a", score: 0.5, metadata: { dims: vector.length } }] };
      },
      upsert: async (vectors) => {
        asked.push(["upsert", vectors]);
        return { mutationId: `m${vectors.length}` };
      },
    },
  };
  return { env, asked };
}

for (const build of TEST_BUILDS) {
  test(`Node 24, ${build} build: rate limiting, Analytics Engine, Secrets Store, AI and Vectorize from Rust`, async () => {
    const worker = createWorker(wasmOf("bindings", "talc", build));
    const { env, asked } = platform();
    const send = async (path, init) => {
      const r = await worker.fetch(new Request(`http://bindings.test${path}`, init), env, { waitUntil() {} });
      return [r.status, await r.text()];
    };
    const post = (path, body) => send(path, { method: "POST", body });

    // Rate limiting: two within the limit, then 429; another key has its own count.
    assert.deepEqual(await send("/limit/ann"), [200, "within the limit\n"]);
    assert.deepEqual(await send("/limit/ann"), [200, "within the limit\n"]);
    assert.deepEqual(await send("/limit/ann"), [429, "slow down\n"]);
    assert.deepEqual(await send("/limit/bob"), [200, "within the limit\n"]);
    assert.deepEqual(asked.shift(), ["limit", { key: "ann" }]);
    asked.length = 0;

    // Analytics Engine: the data point as the platform documents it.
    assert.deepEqual(await post("/analytics", "clicked é"), [202, "written\n"]);
    assert.deepEqual(asked.shift(), ["writeDataPoint", { blobs: ["clicked é", "bindings"], doubles: [10], indexes: ["POST"] }]);

    // Secrets Store: the value is read (its length answered), never sent.
    const [status, body] = await send("/secret-length");
    assert.deepEqual([status, body], [200, String("s3cr3t-value".length)]);

    // Workers AI: the inputs parsed from JSON, the output answered as JSON; a model's error is
    // the route's error (a 502 with the generic body, the instance kept).
    assert.deepEqual(await post("/ai/@cf/meta/llama", '{"prompt":"hello"}'), [200, '{"response":"@cf/meta/llama says 5"}']);
    assert.deepEqual(asked.shift(), ["run", "@cf/meta/llama", { prompt: "hello" }]);
    const [failed, text] = await quietly(() => post("/ai/@cf/missing", '{"prompt":"x"}'));
    assert.equal(failed, 502);
    assert.doesNotMatch(text, /no such model|fault/, "the binding's message is not sent");
    asked.shift();
    assert.deepEqual(await post("/ai/@cf/meta/llama", "not json"), [400, "bad request\n"], "inputs that are not JSON");

    // Vectorize: the vector and the options as JSON values; the answers as JSON text.
    assert.deepEqual(await post("/vectors/query", "[0.25,0.5,1]"), [200, '{"count":1,"matches":[{"id":"a","score":0.5,"metadata":{"dims":3}}]}']);
    assert.deepEqual(asked.shift(), ["query", [0.25, 0.5, 1], { topK: 2, returnMetadata: "all" }]);
    assert.deepEqual(await post("/vectors/upsert", '[{"id":"a","values":[1,2]},{"id":"b","values":[3,4]}]'), [200, '{"mutationId":"m2"}']);
    assert.deepEqual(asked.shift(), ["upsert", [{ id: "a", values: [1, 2] }, { id: "b", values: [3, 4] }]]);

    // No binding: the route's error, not a fault; nothing held afterwards.
    assert.deepEqual((await quietly(() => worker.fetch(new Request("http://bindings.test/limit/x"), {}, { waitUntil() {} }))).status, 500);
    assert.ok(worker.pool.every((r) => r.held() == 0));
  });
}
