// Test module (raw imports, no SDK): pauses in on_new_connection, then on the first client bytes
// picks the upstream cluster from the first byte ("A" -> cluster_a, else cluster_b) through the
// foreign function set_envoy_filter_state (envoy.tcp_proxy.cluster) and continues the stream.
@external("env", "proxy_get_buffer_bytes")
declare function proxy_get_buffer_bytes(type: i32, start: i32, length: i32, ptrPtr: usize, sizePtr: usize): i32;
@external("env", "proxy_call_foreign_function")
declare function proxy_call_foreign_function(name: usize, nameSize: i32, args: usize, argsSize: i32, resultsPtr: usize, resultsSize: usize): i32;
@external("env", "proxy_continue_stream")
declare function proxy_continue_stream(stream: i32): i32;

const DOWNSTREAM_DATA = 2;
const STREAM_DOWNSTREAM = 2;
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
export function proxy_on_new_connection(id: i32): i32 {
  return 1; // PAUSE: tcp_proxy has not started, no upstream connection yet
}

/** SetEnvoyFilterStateArguments{path: 1, value: 2} as protobuf bytes. */
function filterStateArgs(path: string, value: string): ArrayBuffer {
  const p = String.UTF8.encode(path);
  const v = String.UTF8.encode(value);
  const out = new Uint8Array(4 + p.byteLength + v.byteLength);
  out[0] = 0x0a;
  out[1] = <u8>p.byteLength;
  memory.copy(out.dataStart + 2, changetype<usize>(p), p.byteLength);
  out[2 + p.byteLength] = 0x12;
  out[3 + p.byteLength] = <u8>v.byteLength;
  memory.copy(out.dataStart + 4 + p.byteLength, changetype<usize>(v), v.byteLength);
  return out.buffer;
}

export function proxy_on_downstream_data(id: i32, length: i32, eos: i32): i32 {
  if (routed.has(id)) return 0;
  if (length == 0) return 1;
  const out = memory.data(8);
  proxy_get_buffer_bytes(DOWNSTREAM_DATA, 0, 1, out, out + 4);
  const first = load<u8>(load<u32>(out));
  const name = String.UTF8.encode("set_envoy_filter_state");
  const args = filterStateArgs("envoy.tcp_proxy.cluster", first == 0x41 ? "cluster_a" : "cluster_b");
  proxy_call_foreign_function(changetype<usize>(name), name.byteLength, changetype<usize>(args), args.byteLength, out, out + 4);
  routed.add(id);
  proxy_continue_stream(STREAM_DOWNSTREAM);
  return 1; // the bytes stay buffered; continue_stream hands them to tcp_proxy after this call
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
