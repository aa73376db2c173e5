// Imports of the faults example: one throws a JS Error, one calls back into the module.
export const faultsImports = (runtime) => ({
  faults_js_throw() {
    throw new Error("thrown on purpose by a JS import");
  },
  faults_reenter() {
    runtime.serve({ method: "GET", url: "http://reenter.invalid/", headers: [] });
  },
});
