// as-pect runs the AssemblyScript unit tests in tests/assembly (pure logic: codecs, framework).
export default {
  entries: ["tests/assembly/**/*.spec.ts", "examples/*/tests/**/*.spec.ts"],
  include: ["tests/assembly/**/*.include.ts"],
  // packages/ links this package as `meta-protocol-wasm` for the examples' specs (see its README).
  disclude: [/node_modules/, /packages\//],
  // Filters that log (the router at debug level) reach Envoy's log through proxy_log: in the specs
  // it is a no-op, at a level that drops everything.
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory, proxy_log: () => 0, proxy_get_log_level: () => 0 } }));
  },
  outputBinary: false,
};
