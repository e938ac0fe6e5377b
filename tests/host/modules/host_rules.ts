// Test module for the host conformance tests (tests/host/*.test.ts), written on the bare imports
// so that every status the host returns is visible: it logs each callback with its context ids,
// and the plugin configuration (one word) picks what else it does:
//   order       nothing more (call order and ids)
//   buffers     pauses the first data callback; on the second, edits the buffer as Envoy allows
//               and refuses, asks continue_stream for both directions, logs every status
//   outside     reads and writes DOWNSTREAM_DATA from a tick, outside any data callback
//   held_tick   pauses the client's bytes; a tick reads them, edits them at both ends, continues
//   held_grpc   pauses the client's bytes and asks the "grpc" cluster; its answer edits them, continues
//   properties  logs the properties, sets two (stored under `wasm.`)
//   foreign     picks tcp_proxy's cluster with the foreign function set_envoy_filter_state
//   metrics     defines, increments, records and reads back a counter, a gauge and a histogram
//   shared      shared data with CAS; `tick` logs ticks; `logs` logs at every level
//   trap        traps on client bytes starting with "TRAP"
//   grpc        a unary gRPC call to the cluster "grpc" (test.Echo/Say) and one to a cluster that does not exist
//   grpc_stream a bidirectional stream (test.Echo/Chat): two messages, then the end of the stream
@external("env", "proxy_log") declare function proxy_log(level: i32, ptr: usize, size: usize): i32;
@external("env", "proxy_get_buffer_bytes") declare function proxy_get_buffer_bytes(t: i32, start: u32, len: u32, ptrPtr: usize, sizePtr: usize): i32;
@external("env", "proxy_set_buffer_bytes") declare function proxy_set_buffer_bytes(t: i32, start: u32, len: u32, ptr: usize, size: usize): i32;
@external("env", "proxy_continue_stream") declare function proxy_continue_stream(t: i32): i32;
@external("env", "proxy_get_property") declare function proxy_get_property(ptr: usize, size: usize, outPtr: usize, outSize: usize): i32;
@external("env", "proxy_set_property") declare function proxy_set_property(ptr: usize, size: usize, vptr: usize, vsize: usize): i32;
@external("env", "proxy_call_foreign_function") declare function proxy_call_foreign_function(n: usize, ns: usize, a: usize, as: usize, r: usize, rs: usize): i32;
@external("env", "proxy_define_metric") declare function proxy_define_metric(t: i32, ptr: usize, size: usize, idPtr: usize): i32;
@external("env", "proxy_increment_metric") declare function proxy_increment_metric(id: u32, delta: i64): i32;
@external("env", "proxy_record_metric") declare function proxy_record_metric(id: u32, value: u64): i32;
@external("env", "proxy_get_metric") declare function proxy_get_metric(id: u32, out: usize): i32;
@external("env", "proxy_set_tick_period_milliseconds") declare function proxy_set_tick_period_milliseconds(ms: u32): i32;
@external("env", "proxy_get_shared_data") declare function proxy_get_shared_data(k: usize, ks: usize, vp: usize, vs: usize, cas: usize): i32;
@external("env", "proxy_set_shared_data") declare function proxy_set_shared_data(k: usize, ks: usize, v: usize, vs: usize, cas: u32): i32;
@external("env", "proxy_set_effective_context") declare function proxy_set_effective_context(id: u32): i32;
@external("env", "proxy_grpc_call") declare function proxy_grpc_call(
  up: usize, upSize: usize, svc: usize, svcSize: usize, m: usize, mSize: usize, md: usize, mdSize: usize, msg: usize, msgSize: usize, timeout: u32, token: usize,
): i32;

@external("env", "proxy_grpc_stream") declare function proxy_grpc_stream(
  up: usize, upSize: usize, svc: usize, svcSize: usize, m: usize, mSize: usize, md: usize, mdSize: usize, token: usize,
): i32;
@external("env", "proxy_grpc_send") declare function proxy_grpc_send(token: u32, msg: usize, size: usize, endStream: u32): i32;

export function proxy_abi_version_0_2_1(): void {}
export function malloc(size: usize): usize {
  return heap.alloc(size);
}

const OUT_PTR = memory.data(8);
const OUT_SIZE = memory.data(8);
const OUT_EXTRA = memory.data(8);
let mode = "";
let connection: u32 = 0;
/** held_tick / held_grpc: the client's bytes are still paused. */
let held = true;
let dataCalls = 0;
let ticks = 0;

function log(text: string): void {
  const b = String.UTF8.encode("rule: " + text);
  proxy_log(2, changetype<usize>(b), b.byteLength);
}
function bytes(s: string): ArrayBuffer {
  return String.UTF8.encode(s);
}
function outString(): string {
  return String.UTF8.decodeUnsafe(load<usize>(OUT_PTR), load<u32>(OUT_SIZE));
}
function property(path: string): string {
  const p = bytes(path.replaceAll(".", "\0"));
  const status = proxy_get_property(changetype<usize>(p), p.byteLength, OUT_PTR, OUT_SIZE);
  if (status != 0) return "status " + status.toString();
  if (path == "connection.id") return load<u64>(load<usize>(OUT_PTR)).toString();
  return outString();
}
function setBuffer(type: i32, start: u32, length: u32, data: string): i32 {
  const d = bytes(data);
  return proxy_set_buffer_bytes(type, start, length, changetype<usize>(d), d.byteLength);
}
function getBuffer(type: i32, start: u32, length: u32): string {
  store<usize>(OUT_SIZE, 0);
  const status = proxy_get_buffer_bytes(type, start, length, OUT_PTR, OUT_SIZE);
  return status.toString() + " '" + (load<u32>(OUT_SIZE) > 0 ? outString() : "") + "'";
}

export function proxy_on_context_create(id: u32, parent: u32): void {
  log("create " + id.toString() + " " + parent.toString());
}

export function proxy_on_vm_start(root: u32, size: u32): i32 {
  log("vm_start " + root.toString());
  return 1;
}

export function proxy_on_configure(root: u32, size: u32): i32 {
  proxy_get_buffer_bytes(7, 0, size, OUT_PTR, OUT_SIZE);
  mode = outString();
  log("configure " + root.toString() + " " + mode);
  if (mode == "tick" || mode == "outside" || mode == "held_tick") proxy_set_tick_period_milliseconds(20);
  if (mode == "metrics") metrics();
  if (mode == "grpc_stream") {
    const up = bytes("grpc");
    const svc = bytes("test.Echo");
    const m = bytes("Chat");
    const status = proxy_grpc_stream(changetype<usize>(up), up.byteLength, changetype<usize>(svc), svc.byteLength, changetype<usize>(m), m.byteLength, 0, 0, OUT_EXTRA);
    const token = load<u32>(OUT_EXTRA);
    log("grpc_stream " + status.toString() + " token " + token.toString());
    const a = bytes("a");
    const b = bytes("b");
    log("send " + proxy_grpc_send(token, changetype<usize>(a), a.byteLength, 0).toString() + " " + proxy_grpc_send(token, changetype<usize>(b), b.byteLength, 1).toString());
  }
  if (mode == "grpc") {
    log("grpc_call unknown cluster " + grpcCall("no_such_cluster", "hi").toString());
    log("grpc_call " + grpcCall("grpc", "ping").toString() + " token " + load<u32>(OUT_EXTRA).toString());
  }
  if (mode == "shared") shared();
  if (mode == "logs") for (let level = 0; level <= 5; level++) {
    const b = bytes("level " + level.toString());
    proxy_log(level, changetype<usize>(b), b.byteLength);
  }
  return 1;
}

function metrics(): void {
  const ids: u32[] = [];
  const names = ["test.counter", "test.gauge", "test.histogram"];
  for (let t = 0; t < 3; t++) {
    const n = bytes(names[t]);
    proxy_define_metric(t, changetype<usize>(n), n.byteLength, OUT_PTR);
    ids.push(load<u32>(OUT_PTR));
  }
  log("metric ids " + ids.join(","));
  log("increment counter " + proxy_increment_metric(ids[0], 2).toString() + " " + proxy_increment_metric(ids[0], 3).toString());
  log("increment gauge " + proxy_increment_metric(ids[1], 7).toString() + " " + proxy_increment_metric(ids[1], -2).toString());
  log("record histogram " + proxy_record_metric(ids[2], 12).toString());
  proxy_get_metric(ids[0], OUT_PTR);
  log("counter value " + load<u64>(OUT_PTR).toString());
  proxy_get_metric(ids[1], OUT_PTR);
  log("gauge value " + load<u64>(OUT_PTR).toString());
  log("negative counter increment " + proxy_increment_metric(ids[0], -1).toString());
}

function getShared(k: ArrayBuffer): string {
  const status = proxy_get_shared_data(changetype<usize>(k), k.byteLength, OUT_PTR, OUT_SIZE, OUT_EXTRA);
  return status == 0 ? "0 '" + outString() + "' cas " + load<u32>(OUT_EXTRA).toString() : status.toString();
}

function shared(): void {
  const k = bytes("shared-key");
  log("get before " + getShared(k));
  const one = bytes("one");
  log("set cas 0 " + proxy_set_shared_data(changetype<usize>(k), k.byteLength, changetype<usize>(one), one.byteLength, 0).toString());
  proxy_get_shared_data(changetype<usize>(k), k.byteLength, OUT_PTR, OUT_SIZE, OUT_EXTRA);
  const cas = load<u32>(OUT_EXTRA);
  const two = bytes("two");
  log("set current cas " + proxy_set_shared_data(changetype<usize>(k), k.byteLength, changetype<usize>(two), two.byteLength, cas).toString());
  log("set stale cas " + proxy_set_shared_data(changetype<usize>(k), k.byteLength, changetype<usize>(one), one.byteLength, cas).toString());
  log("get after " + getShared(k));
}

function grpcCall(cluster: string, message: string): i32 {
  const up = bytes(cluster);
  const svc = bytes("test.Echo");
  const m = bytes("Say");
  const msg = bytes(message);
  return proxy_grpc_call(
    changetype<usize>(up), up.byteLength, changetype<usize>(svc), svc.byteLength, changetype<usize>(m), m.byteLength,
    0, 0, changetype<usize>(msg), msg.byteLength, 2000, OUT_EXTRA,
  );
}

export function proxy_on_grpc_receive(context: u32, token: u32, size: u32): void {
  log("grpc_receive " + context.toString() + " " + token.toString() + " " + getBuffer(5, 0, size));
  if (mode == "held_grpc" && connection != 0) editHeldAndContinue("grpc");
}

/** Acting for the paused connection from a later callback, as Envoy allows (Context::getBuffer). */
function editHeldAndContinue(from: string): void {
  proxy_set_effective_context(connection);
  log(from + " get " + getBuffer(2, 0, 100));
  log(from + " set start " + setBuffer(2, 0, 0, "<").toString());
  log(from + " append " + setBuffer(2, 100, 0, ">").toString());
  log(from + " continue " + proxy_continue_stream(2).toString());
  held = false;
}

export function proxy_on_grpc_receive_initial_metadata(context: u32, token: u32, headers: u32): void {
  log("grpc_initial_metadata " + context.toString() + " " + token.toString());
}

export function proxy_on_grpc_receive_trailing_metadata(context: u32, token: u32, trailers: u32): void {
  log("grpc_trailing_metadata " + context.toString() + " " + token.toString());
}

export function proxy_on_grpc_close(context: u32, token: u32, status: u32): void {
  log("grpc_close " + context.toString() + " " + token.toString() + " " + status.toString());
}

export function proxy_on_tick(root: u32): void {
  ticks++;
  log("tick " + ticks.toString());
  if (mode == "held_tick" && connection != 0 && held) editHeldAndContinue("tick");
  if (mode == "outside" && connection != 0) {
    proxy_set_effective_context(connection);
    log("outside get " + getBuffer(2, 0, 10));
    log("outside set " + setBuffer(2, 0, 0, "x").toString());
  }
  if (ticks >= 3 && (mode != "held_tick" || !held)) proxy_set_tick_period_milliseconds(0);
}

export function proxy_on_new_connection(id: u32): i32 {
  connection = id;
  log("new_connection " + id.toString());
  if (mode == "properties") {
    const names = [
      "source.address", "destination.address", "connection.id", "plugin_name", "plugin_root_id", "plugin_vm_id", "upstream.address", "node.id", "node.cluster",
    ];
    for (let i = 0; i < names.length; i++) log("property " + names[i] + " = " + property(names[i]));
    log("set_property color " + setProperty("color", "blue").toString());
    log("property color = " + property("color"));
    // Stored as `wasm.envoy.tcp_proxy.cluster`: it cannot pick tcp_proxy's cluster.
    log("set_property envoy.tcp_proxy.cluster " + setProperty("envoy.tcp_proxy.cluster", "second").toString());
  }
  if (mode == "foreign") {
    log("foreign unknown key " + foreign("not.a.key", "x").toString());
    log("foreign cluster " + foreign("envoy.tcp_proxy.cluster", "second").toString());
  }
  return 0;
}

function setProperty(path: string, value: string): i32 {
  const p = bytes(path);
  const v = bytes(value);
  return proxy_set_property(changetype<usize>(p), p.byteLength, changetype<usize>(v), v.byteLength);
}

/** set_envoy_filter_state with SetEnvoyFilterStateArguments{path, value} (short strings). */
function foreign(path: string, value: string): i32 {
  const p = Uint8Array.wrap(bytes(path));
  const v = Uint8Array.wrap(bytes(value));
  const args = new Uint8Array(4 + p.length + v.length);
  args[0] = 0x0a;
  args[1] = <u8>p.length;
  args.set(p, 2);
  args[2 + p.length] = 0x12;
  args[3 + p.length] = <u8>v.length;
  args.set(v, 4 + p.length);
  const name = bytes("set_envoy_filter_state");
  return proxy_call_foreign_function(changetype<usize>(name), name.byteLength, args.dataStart, args.length, OUT_PTR, OUT_SIZE);
}

export function proxy_on_downstream_data(id: u32, length: u32, eos: u32): i32 {
  dataCalls++;
  log("downstream " + id.toString() + " " + length.toString() + " " + eos.toString());
  if (mode == "trap" && length >= 4 && getBuffer(2, 0, 4) == "0 'TRAP'") unreachable();
  if ((mode == "held_tick" || mode == "held_grpc") && !held) return 0; // released: later bytes pass
  if (mode == "held_tick") return 1; // the tick decides
  if (mode == "held_grpc") {
    log("held grpc_call " + grpcCall("grpc", "ping").toString());
    return 1;
  }
  if (mode != "buffers" || eos != 0) return 0;
  if (dataCalls == 1) return 1; // paused: the bytes stay, the next call sees more
  log("get " + getBuffer(2, 0, length));
  log("set middle " + setBuffer(2, 3, 1, "x").toString());
  log("set start " + setBuffer(2, 0, 2, "AB").toString());
  log("append " + setBuffer(2, length, 0, "!").toString());
  log("continue upstream " + proxy_continue_stream(3).toString());
  log("continue downstream " + proxy_continue_stream(2).toString());
  return 1; // still paused: the continue acts after this call returns
}

export function proxy_on_upstream_data(id: u32, length: u32, eos: u32): i32 {
  log("upstream " + id.toString() + " " + length.toString() + " " + eos.toString());
  if (mode == "properties") log("property upstream.address = " + property("upstream.address"));
  return 0;
}

export function proxy_on_downstream_connection_close(id: u32, peer: u32): void {
  log("downstream_close " + id.toString() + " " + peer.toString());
}
export function proxy_on_upstream_connection_close(id: u32, peer: u32): void {
  log("upstream_close " + id.toString() + " " + peer.toString());
}
export function proxy_on_done(id: u32): i32 {
  log("done " + id.toString());
  return 1;
}
export function proxy_on_log(id: u32): void {
  log("log " + id.toString());
}
export function proxy_on_delete(id: u32): void {
  log("delete " + id.toString());
}
