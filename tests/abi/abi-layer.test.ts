// The ABI layer (assembly/abi) seen from the host side: the product module's imports/exports, its
// allocator and abort path, and, through the probe module (tests/host/modules/abi_probe.ts), the
// dispatch of each callback to the right context object and the buffer and callout wrappers.
// The host here is a small recording mock, only because the real host (host/wasm) is being
// written at the same time; it follows Envoy's semantics for the few calls it implements.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dirname, "..", "..");

interface Recording {
  exports: Record<string, any>;
  calls: Array<[string, number[]]>;
  logs: Array<[number, string]>;
  buffers: Map<number, Uint8Array>; // by BufferType
  properties: Map<string, string>; // path segments joined by "."
}

function instantiate(code: Uint8Array): Recording {
  const module = new WebAssembly.Module(new Uint8Array(code));
  const r: Recording = { exports: {}, calls: [], logs: [], buffers: new Map(), properties: new Map() };
  const mem = () => new Uint8Array(r.exports.memory.buffer);
  const u32 = (at: number, value: number) => new DataView(r.exports.memory.buffer).setUint32(at, value, true);
  const read = (ptr: number, size: number) => Buffer.from(mem().slice(ptr, ptr + size));
  const give = (bytes: Uint8Array, ptrPtr: number, sizePtr: number) => {
    const ptr = bytes.length > 0 ? r.exports.malloc(bytes.length) : 0; // Envoy: copyToPointerSize
    mem().set(bytes, ptr);
    u32(ptrPtr, ptr);
    u32(sizePtr, bytes.length);
  };
  const impl: Record<string, (...a: number[]) => number> = {
    proxy_log: (level, ptr, size) => (r.logs.push([level, read(ptr, size).toString()]), 0),
    proxy_get_log_level: (out) => (u32(out, 0), 0),
    proxy_get_property: (ptr, size, ptrPtr, sizePtr) => {
      const value = r.properties.get(read(ptr, size).toString().split("\0").join("."));
      if (value === undefined) return 1; // NOT_FOUND
      give(Buffer.from(value), ptrPtr, sizePtr);
      return 0;
    },
    proxy_get_buffer_bytes: (type, start, length, ptrPtr, sizePtr) => {
      const buffer = r.buffers.get(type);
      if (buffer === undefined) return 1;
      const bytes = buffer.subarray(start, Math.min(buffer.length, start + length));
      if (bytes.length > 0) give(bytes, ptrPtr, sizePtr); // Envoy writes nothing for an empty range
      return 0;
    },
    proxy_set_buffer_bytes: (type, start, length, ptr, size) => {
      const buffer = r.buffers.get(type);
      if (buffer === undefined || start !== 0) return 2; // this mock only prepends / replaces
      r.buffers.set(type, Buffer.concat([read(ptr, size), buffer.subarray(Math.min(length, buffer.length))]));
      return 0;
    },
    proxy_grpc_call: (...a) => (u32(a[11], 7), 0),
  };
  const env: Record<string, Function> = {};
  for (const i of WebAssembly.Module.imports(module)) {
    assert.equal(i.module, "env");
    env[i.name] = (...args: number[]) => (r.calls.push([i.name, args]), impl[i.name]?.(...args) ?? 0);
  }
  r.exports = new WebAssembly.Instance(module, { env }).exports;
  r.exports._initialize();
  return r;
}

const CALLBACKS = [
  "proxy_on_context_create", "proxy_on_vm_start", "proxy_on_configure", "proxy_on_tick", "proxy_on_queue_ready",
  "proxy_on_new_connection", "proxy_on_downstream_data", "proxy_on_upstream_data",
  "proxy_on_downstream_connection_close", "proxy_on_upstream_connection_close", "proxy_on_done", "proxy_on_log",
  "proxy_on_delete", "proxy_on_grpc_receive_initial_metadata", "proxy_on_grpc_receive",
  "proxy_on_grpc_receive_trailing_metadata", "proxy_on_grpc_close", "proxy_on_http_call_response",
];

describe("product module (build/meta_protocol.wasm)", () => {
  const code = readFileSync(join(root, "build", "meta_protocol.wasm"));

  test("imports only proxy_* host functions and exports what Envoy looks for", () => {
    const module = new WebAssembly.Module(new Uint8Array(code));
    for (const i of WebAssembly.Module.imports(module)) {
      assert.equal(i.module, "env");
      assert.match(i.name, /^proxy_/, `unexpected import ${i.name}`);
    }
    const exported = WebAssembly.Module.exports(module).map((e) => e.name).sort();
    assert.deepEqual(exported, ["_initialize", "malloc", "memory", "proxy_abi_version_0_2_1", ...CALLBACKS].sort());
  });

  test("malloc returns distinct writable memory", () => {
    const r = instantiate(code);
    const a = r.exports.malloc(64), b = r.exports.malloc(64);
    assert.ok(a > 0 && b > 0 && (b >= a + 64 || a >= b + 64));
    new Uint8Array(r.exports.memory.buffer).fill(0xab, a, a + 64);
    assert.ok(new Uint8Array(r.exports.memory.buffer, a, 64).every((x) => x === 0xab));
  });

  test("a configured connection decodes frames; a callback for an unknown context logs at critical and traps", () => {
    const r = instantiate(code);
    r.properties.set("plugin_root_id", "anything");
    const config = Buffer.from(JSON.stringify({ statPrefix: "t", codec: { name: "aeraki.meta_protocol.codec.dubbo" } }));
    r.buffers.set(7, config); // PLUGIN_CONFIGURATION
    const heartbeat = (flags: number, status: number) =>
      Buffer.from([0xda, 0xbb, flags, status, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0]);
    r.buffers.set(2, heartbeat(0xe2, 0)); // DOWNSTREAM_DATA: a Dubbo heartbeat request
    r.buffers.set(3, heartbeat(0x22, 20)); // UPSTREAM_DATA: its answer
    const e = r.exports;
    e.proxy_on_context_create(1, 0);
    assert.deepEqual(r.calls[0][0], "proxy_get_property"); // the root id picks the factory
    assert.equal(e.proxy_on_vm_start(1, 0), 1);
    assert.equal(e.proxy_on_configure(1, config.length), 1);
    e.proxy_on_context_create(2, 1);
    assert.equal(e.proxy_on_new_connection(2), 0);
    assert.equal(e.proxy_on_downstream_data(2, 16, 0), 0);
    assert.equal(e.proxy_on_upstream_data(2, 16, 1), 0);
    e.proxy_on_upstream_connection_close(2, 0);
    e.proxy_on_downstream_connection_close(2, 2);
    assert.equal(e.proxy_on_done(2), 1);
    e.proxy_on_log(2);
    e.proxy_on_delete(2);
    // The only log so far is the configuration summary, at info.
    assert.deepEqual(r.logs.map(([level]) => level), [2]);
    r.logs.length = 0;
    assert.throws(() => e.proxy_on_downstream_data(2, 1, 0), WebAssembly.RuntimeError);
    assert.equal(r.logs.length, 1);
    assert.equal(r.logs[0][0], 5); // critical
    assert.match(r.logs[0][1], /no connection context 2/);
  });
});

describe("ABI layer through the probe module", () => {
  let dir: string;
  let code: Uint8Array;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "abi-probe-"));
    const out = join(dir, "abi_probe.wasm");
    execFileSync(join(root, "node_modules", ".bin", "asc"),
      ["tests/host/modules/abi_probe.ts", "-o", out, "-t", join(dir, "abi_probe.wat")], { cwd: root });
    code = readFileSync(out);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function started(): Recording {
    const r = instantiate(code);
    r.properties.set("plugin_root_id", "probe");
    r.buffers.set(7, Buffer.from('{"codec":"dubbo"}'));
    r.exports.proxy_on_context_create(1, 0);
    assert.equal(r.exports.proxy_on_configure(1, 17), 1);
    return r;
  }
  const messages = (r: Recording) => r.logs.map(([, m]) => m);

  test("each callback reaches its own context object, which reads the host's bytes", () => {
    const r = started();
    const e = r.exports;
    e.proxy_on_context_create(2, 1);
    e.proxy_on_context_create(3, 1);
    assert.equal(e.proxy_on_new_connection(3), 0);
    r.buffers.set(2, Buffer.from("hold"));
    assert.equal(e.proxy_on_downstream_data(2, 4, 0), 1); // StopIteration
    r.buffers.set(2, Buffer.from("hello world"));
    assert.equal(e.proxy_on_downstream_data(3, 11, 1), 0);
    r.buffers.set(2, Buffer.from("holdmore"));
    assert.equal(e.proxy_on_downstream_data(2, 8, 0), 0);
    r.buffers.set(3, Buffer.from("pong"));
    assert.equal(e.proxy_on_upstream_data(3, 4, 0), 0);
    assert.equal(r.buffers.get(3)!.toString(), "[pong]");
    assert.equal(e.proxy_on_done(3), 1);
    e.proxy_on_delete(3);
    assert.deepEqual(messages(r), [
      'configure 1 {"codec":"dubbo"}',
      "new 3 #2",
      "down hold head=hold eos=false 2 #1",
      "down hello world head=hell eos=true 3 #2",
      "down holdmore head=hold eos=false 2 #1",
      "up true 3 #2",
      "done 3 #2",
      "delete 3 #2",
    ]);
  });

  test("a gRPC reply Envoy delivers to the root reaches the connection that called", () => {
    const r = started();
    const e = r.exports;
    e.proxy_on_context_create(2, 1);
    r.buffers.set(2, Buffer.from("grpc"));
    e.proxy_on_downstream_data(2, 4, 0);
    assert.ok(r.calls.some(([name]) => name === "proxy_grpc_call"));
    r.buffers.set(5, Buffer.from("OK"));
    const before = r.calls.length;
    e.proxy_on_grpc_receive(1, 7, 2); // Envoy: the root's id, the call's token
    assert.deepEqual(r.calls[before], ["proxy_set_effective_context", [2]]); // before the connection acts
    e.proxy_on_grpc_receive(1, 9, 0); // a token no connection recorded stays with the root
    assert.deepEqual(messages(r).slice(-3), ["called 7 2 #1", "grpc 7 OK 2 #1", "root grpc 9"]);
  });

  test("a root id nobody registered rejects its configuration", () => {
    const r = instantiate(code);
    r.properties.set("plugin_root_id", "other");
    r.exports.proxy_on_context_create(1, 0);
    assert.equal(r.exports.proxy_on_configure(1, 0), 0);
    assert.deepEqual(r.logs, [[5, "no root context registered for root id 'other'"]]);
  });
});
