// Checks a module the way Envoy does before it runs anything (proxy-wasm-cpp-host wasm.cc and
// the V8 integration): every import must be one Envoy registers, with the same signature; the
// module must export memory, an ABI version marker and an allocator. Node's WebAssembly does not
// check the signatures of JS imports, so the type and import sections are read here.
import { ENVOY_IMPORTS, type Signature, type ValType } from "./envoy-imports.ts";

export class PluginLoadError extends Error {}

interface ImportedFunction {
  module: string;
  name: string;
  signature: Signature;
}

const VAL_TYPES: Record<number, ValType | "f32" | "f64" | "v128" | "ref"> = {
  0x7f: "i32",
  0x7e: "i64",
  0x7d: "f32",
  0x7c: "f64",
  0x7b: "v128",
  0x70: "ref",
  0x6f: "ref",
};

class Reader {
  constructor(
    private bytes: Uint8Array,
    public pos = 0,
  ) {}
  byte(): number {
    if (this.pos >= this.bytes.length) throw new PluginLoadError("Failed to load Wasm module: truncated binary");
    return this.bytes[this.pos++];
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
  }
  name(): string {
    const len = this.u32();
    const s = Buffer.from(this.bytes.subarray(this.pos, this.pos + len)).toString("utf8");
    this.pos += len;
    return s;
  }
  skipLimits(): void {
    const flags = this.byte();
    this.u32();
    if (flags & 1) this.u32();
  }
}

/** The functions a module imports, with their signatures, read from its binary. */
export function importedFunctions(code: Uint8Array): ImportedFunction[] {
  const r = new Reader(code, 8);
  const types: Array<{ params: string[]; results: string[] }> = [];
  const imports: ImportedFunction[] = [];
  while (r.pos < code.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.pos + size;
    if (id === 1) {
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        r.byte(); // 0x60 func
        const params = Array.from({ length: r.u32() }, () => VAL_TYPES[r.byte()] ?? "?");
        const results = Array.from({ length: r.u32() }, () => VAL_TYPES[r.byte()] ?? "?");
        types.push({ params, results });
      }
    } else if (id === 2) {
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        const module = r.name();
        const name = r.name();
        const kind = r.byte();
        if (kind === 0) imports.push({ module, name, signature: types[r.u32()] as Signature });
        else if (kind === 1) (r.byte(), r.skipLimits());
        else if (kind === 2) r.skipLimits();
        else (r.byte(), r.byte());
      }
      return imports;
    }
    r.pos = end;
  }
  return imports;
}

const show = (s: Signature) => `(${s.params.join(", ")}) -> (${s.results.join(", ")})`;

/** Throws PluginLoadError, worded as Envoy words it, if Envoy would refuse this module. */
export function checkModule(code: Uint8Array, module: WebAssembly.Module): void {
  for (const imp of importedFunctions(code)) {
    const expected = ENVOY_IMPORTS[imp.module]?.[imp.name];
    if (!expected) {
      throw new PluginLoadError(`Failed to load Wasm module due to a missing import: ${imp.module}.${imp.name}`);
    }
    if (show(expected) !== show(imp.signature)) {
      throw new PluginLoadError(
        `Failed to load Wasm module due to an import type mismatch for ${imp.module}.${imp.name}, ` +
          `want: ${show(imp.signature)}, but host exports: ${show(expected)}`,
      );
    }
  }
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind !== "function") {
      throw new PluginLoadError(`Failed to load Wasm module due to a missing import: ${imp.module}.${imp.name}`);
    }
  }
  const exports = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  if (!exports.has("memory")) throw new PluginLoadError("Wasm module is missing the memory export");
  if (!exports.has("proxy_abi_version_0_2_1")) {
    const other = ["proxy_abi_version_0_2_0", "proxy_abi_version_0_1_0"].find((v) => exports.has(v));
    throw new PluginLoadError(
      other
        ? `Wasm module exports ${other}: this host, like our Envoy target, loads ABI 0.2.1 modules only`
        : "Wasm module is missing the Proxy-Wasm ABI version or requires an unsupported version",
    );
  }
  if (!exports.has("malloc") && !exports.has("proxy_on_memory_allocate")) {
    throw new PluginLoadError("Wasm module is missing malloc (or proxy_on_memory_allocate)");
  }
}
