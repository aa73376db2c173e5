// A KV namespace for local runs of examples/proxy: workerd turns a kvNamespace binding's
// get/put/delete into HTTP requests to a service (GET|PUT|DELETE
// https://fake-host/<encodeURIComponent(key)>?urlencoded=true, the value as the PUT body); this
// Worker answers them from memory, so values last as long as the workerd process.
const store = new Map();

export default {
  async fetch(request) {
    const key = decodeURIComponent(new URL(request.url).pathname.slice(1));
    switch (request.method) {
      case "GET":
        return store.has(key) ? new Response(store.get(key)) : new Response(null, { status: 404 });
      case "PUT":
        store.set(key, new Uint8Array(await request.arrayBuffer()));
        return new Response(null);
      case "DELETE":
        store.delete(key);
        return new Response(null);
      default:
        return new Response(null, { status: 405 });
    }
  },
};
