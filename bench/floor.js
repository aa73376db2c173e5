// The floor of `make bench`: a JavaScript Worker that calls a trivial wasm export, then answers
// like examples/hello. Whatever a wasm Worker costs beyond this is its glue's.
import wasm from "./floor.wasm";

const { answer } = new WebAssembly.Instance(wasm).exports;
const HEADERS = { "content-type": "text/plain; charset=utf-8" };

export default {
  fetch() {
    return answer() === 42 ? new Response("hello", { headers: HEADERS }) : new Response("wrong", { status: 500 });
  },
};
