// Envoy's attributes as proxy_get_property returns them: path segments joined by NUL, strings
// raw, integers as 8-byte little-endian. Values set by the module with proxy_set_property live in
// the connection's filter state under the `wasm.` prefix, and are read back by the same path.
import type { Vm } from "./vm.ts";

const u64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};

export const WASM_STATE_PREFIX = "wasm.";

export function getProperty(vm: Vm, contextId: number, path: string): Buffer | undefined {
  const conn = vm.connections.get(contextId)?.callbacks;
  const stored = conn?.filterState.get(WASM_STATE_PREFIX + path);
  if (stored !== undefined) return Buffer.from(stored, "latin1");
  switch (path) {
    case "plugin_name":
      return Buffer.from(vm.spec.name);
    case "plugin_root_id":
      return Buffer.from(vm.spec.rootId);
    case "plugin_vm_id":
      return Buffer.from(vm.spec.vmId);
    // Envoy's node attributes from the bootstrap's node, whatever the context
    // (source/extensions/common/wasm/context.cc, Context::getProperty, PropertyToken::NODE).
    case "node\0id":
      return Buffer.from(vm.services.node?.id ?? "");
    case "node\0cluster":
      return Buffer.from(vm.services.node?.cluster ?? "");
  }
  if (!conn) return undefined;
  switch (path) {
    case "source\0address":
      return Buffer.from(conn.remoteAddress);
    case "destination\0address":
      return Buffer.from(conn.localAddress);
    case "connection\0id":
      return u64(conn.connectionId);
    case "upstream\0address": {
      const a = conn.upstreamAddress();
      return a === undefined ? undefined : Buffer.from(a);
    }
  }
  return undefined;
}

/** Envoy stores module-set properties as filter state `wasm.<path>`; without a connection there is none. */
export function setProperty(vm: Vm, contextId: number, path: string, value: Buffer): boolean {
  const conn = vm.connections.get(contextId)?.callbacks;
  if (!conn) return false;
  conn.filterState.set(WASM_STATE_PREFIX + path, value.toString("latin1"));
  return true;
}
