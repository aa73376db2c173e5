// The baseline of `make bench`: a plain JavaScript Worker with the same answer as examples/hello.
export default {
  fetch() {
    return new Response("hello", { headers: { "content-type": "text/plain; charset=utf-8" } });
  },
};
