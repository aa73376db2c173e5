// examples/platform's JavaScript caller of its RPC methods (worker.js and the twin, twin.js):
// `POST /js/calc/<method>` and `POST /js/counter/<name>/<method>`, as another Worker calls them.
/** One call (the body: a JSON array of its arguments): `{ result }` as JSON, or `{ error }` (500). */
export async function callFromJs(request, env) {
  const [, , target, ...rest] = new URL(request.url).pathname.split("/");
  const method = rest.pop();
  const args = request.method == "POST" ? await request.json() : [];
  const callee = target == "calc" ? env.CALC : env.COUNTERS.get(env.COUNTERS.idFromName(rest[0]));
  try {
    const result = await callee[method](...args);
    return Response.json({ result: result instanceof ArrayBuffer || ArrayBuffer.isView(result) ? [...new Uint8Array(result.buffer ?? result)] : result ?? null });
  } catch (e) {
    return Response.json({ error: String(e.message) }, { status: 500 });
  }
}
