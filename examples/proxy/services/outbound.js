// Where examples/proxy's subrequests go (its globalOutbound): http://origin.local/ to the
// local origin Worker, every other URL to the network (so a closed port really refuses).
export default {
  fetch(request, env) {
    return new URL(request.url).hostname === "origin.local" ? env.ORIGIN.fetch(request) : env.NETWORK.fetch(request);
  },
};
