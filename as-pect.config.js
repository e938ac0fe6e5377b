// as-pect runs the AssemblyScript unit tests in tests/assembly (pure logic: codecs, framework).
export default {
  entries: ["tests/assembly/**/*.spec.ts", "examples/*/tests/**/*.spec.ts"],
  include: ["tests/assembly/**/*.include.ts"],
  // packages/ links this package as `meta-protocol-wasm` for the examples' specs (see its README).
  disclude: [/node_modules/, /packages\//],
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
