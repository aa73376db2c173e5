// Imports of the faults example: one throws a JS Error, one calls back into the module, one is
// a unit of the host's work (`/spin`; a test stands in for workerd's CPU signal through it).
export const faultsImports = (runtime) => ({
  faults_js_throw() {
    throw new Error("thrown on purpose by a JS import");
  },
  faults_reenter() {
    runtime.serve({ method: "GET", url: "http://reenter.invalid/", headers: [] });
  },
  faults_work() {},
});
