// Test module (raw imports, no SDK) for tcp_proxy's early data (tests/network/early-data.test.ts):
// pauses in on_new_connection; on the first client bytes it picks the cluster from the first byte
// ("A" -> cluster_a, else cluster_b) with set_envoy_filter_state (envoy.tcp_proxy.cluster) and
// returns Continue, so the bytes go on to tcp_proxy, which starts then. Every data callback is
// logged as "seen: <context id> <length> <eos> <bytes>" so a test can tell how often each byte
// was handed to the module.
@external("env", "proxy_log")
declare function proxy_log(level: i32, ptr: usize, size: usize): i32;
@external("env", "proxy_get_buffer_bytes")
declare function proxy_get_buffer_bytes(type: i32, start: i32, length: i32, ptrPtr: usize, sizePtr: usize): i32;
@external("env", "proxy_call_foreign_function")
declare function proxy_call_foreign_function(name: usize, nameSize: i32, args: usize, argsSize: i32, resultsPtr: usize, resultsSize: usize): i32;

const DOWNSTREAM_DATA = 2;
const OUT = memory.data(8);
const routed = new Set<i32>();

export function proxy_abi_version_0_2_1(): void {}
export function malloc(size: usize): usize {
  return heap.alloc(size);
}
export function proxy_on_context_create(id: i32, parent: i32): void {}
export function proxy_on_vm_start(id: i32, size: i32): i32 {
  return 1;
}
export function proxy_on_configure(id: i32, size: i32): i32 {
  return 1;
}

function log(text: string): void {
  const b = String.UTF8.encode(text);
  proxy_log(2, changetype<usize>(b), b.byteLength);
}

export function proxy_on_new_connection(id: i32): i32 {
  log("seen: new_connection " + id.toString());
  return 1; // PAUSE: tcp_proxy has not started, no upstream connection yet
}

/** SetEnvoyFilterStateArguments{path: 1, value: 2} as protobuf bytes (short strings). */
function filterStateArgs(path: string, value: string): Uint8Array {
  const p = Uint8Array.wrap(String.UTF8.encode(path));
  const v = Uint8Array.wrap(String.UTF8.encode(value));
  const out = new Uint8Array(4 + p.length + v.length);
  out[0] = 0x0a;
  out[1] = <u8>p.length;
  out.set(p, 2);
  out[2 + p.length] = 0x12;
  out[3 + p.length] = <u8>v.length;
  out.set(v, 4 + p.length);
  return out;
}

export function proxy_on_downstream_data(id: i32, length: i32, eos: i32): i32 {
  let text = "";
  if (length > 0) {
    proxy_get_buffer_bytes(DOWNSTREAM_DATA, 0, length, OUT, OUT + 4);
    text = String.UTF8.decodeUnsafe(load<u32>(OUT), load<u32>(OUT + 4));
  }
  log("seen: data " + id.toString() + " " + length.toString() + " " + eos.toString() + " " + text);
  if (routed.has(id) || length == 0) return 0;
  const name = String.UTF8.encode("set_envoy_filter_state");
  const args = filterStateArgs("envoy.tcp_proxy.cluster", text.charCodeAt(0) == 0x41 ? "cluster_a" : "cluster_b");
  proxy_call_foreign_function(changetype<usize>(name), name.byteLength, args.dataStart, args.length, OUT, OUT + 4);
  routed.add(id);
  return 0; // CONTINUE: tcp_proxy starts now, to the chosen cluster, and takes these bytes
}
export function proxy_on_upstream_data(id: i32, length: i32, eos: i32): i32 {
  return 0;
}
export function proxy_on_downstream_connection_close(id: i32, peer: i32): void {}
export function proxy_on_upstream_connection_close(id: i32, peer: i32): void {}
export function proxy_on_done(id: i32): i32 {
  return 1;
}
export function proxy_on_log(id: i32): void {}
export function proxy_on_delete(id: i32): void {
  routed.delete(id);
}
