// The Worker entry of examples/proxy. POST /sha256 and POST /upload/<path> read their bodies as
// streams (no size limit but the platform's); every other body is read whole before an instance
// is taken, bounded by the module's I/O buffer (413 beyond it).
import wasm from "./app.wasm";
import { createWorker } from "tinyworker";

const streamed = (request) => {
  const path = new URL(request.url).pathname;
  return path == "/sha256" || path.startsWith("/upload/");
};

export default createWorker(wasm, { streamBodies: streamed });
