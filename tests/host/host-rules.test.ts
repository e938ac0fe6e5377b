// Conformance of the local host with Envoy's network wasm filter, driven by a purpose-built raw
// module (tests/host/modules/host_rules.ts) that logs what the host calls and answers: call order
// and context ids, buffer rules, properties and filter state, metrics, shared data with CAS,
// ticks, log levels, and fail open / fail closed after a trap.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { LogLevel } from "../../host/wasm/types.ts";
import { converse, runRules, settle } from "./support.ts";

test("contexts are called in Envoy's order, with ids counting up from 1 per VM", async () => {
  const run = await runRules("order");
  try {
    assert.equal(await converse(run.envoy.listenerPort("test"), ["hello"]), "hello|up");
    await settle();
    assert.deepEqual(run.rules(), [
      "create 1 0", "vm_start 1", "configure 1 order",
      "create 2 1", "new_connection 2", "downstream 2 5 0", "upstream 2 5 0", "downstream 2 0 1",
      "upstream 2 3 0", "upstream 2 0 1", "upstream_close 2 0", "downstream_close 2 2", "done 2", "log 2", "delete 2",
    ]);
  } finally {
    await run.close();
  }
});

test("buffers: a pause keeps the bytes; edits only at the start or the end; continue acts after the call", async () => {
  const run = await runRules("buffers");
  try {
    const reply = await converse(run.envoy.listenerPort("test"), ["abc", "defgh"]);
    await settle();
    const rules = run.rules();
    assert.ok(rules.includes("downstream 2 3 0") && rules.includes("downstream 2 8 0"), "the paused bytes are seen again with the new ones");
    assert.ok(rules.includes("get 0 'abcdefgh'"));
    assert.ok(rules.includes("set middle 2"), "BAD_ARGUMENT for a start inside the buffer");
    assert.ok(rules.includes("set start 0") && rules.includes("append 0"));
    assert.ok(rules.includes("continue upstream 12"), "UNIMPLEMENTED: the write path cannot pause");
    assert.ok(rules.includes("continue downstream 0"));
    assert.equal(reply, "ABcdefgh!|up", "the edited buffer went on after the callback returned");
  } finally {
    await run.close();
  }
});

test("outside a data callback the buffer reads as empty and refuses writes", async () => {
  const run = await runRules("outside");
  try {
    const port = run.envoy.listenerPort("test");
    const held = converse(port, ["x"], 250);
    await held;
    await settle(150);
    const rules = run.rules();
    assert.ok(rules.includes("outside get 0 ''"), rules.join("\n"));
    assert.ok(rules.includes("outside set 2"));
  } finally {
    await run.close();
  }
});

// Context::onData (envoy source/extensions/common/wasm/context.cc) clears the downstream buffer only
// when the filter returns Continue, and Context::getBuffer hands it out for the effective context.
test("after PAUSE the client's bytes stay reachable from a tick: read, edited at both ends, continued", async () => {
  const run = await runRules("held_tick");
  try {
    const port = run.envoy.listenerPort("test");
    const reply = await converse(port, ["held"], 400);
    const rules = run.rules();
    assert.ok(rules.includes("tick get 0 'held'"), rules.join("\n"));
    assert.ok(rules.includes("tick set start 0") && rules.includes("tick append 0") && rules.includes("tick continue 0"), rules.join("\n"));
    assert.equal(reply, "<held>|up", "the edited bytes went upstream");
  } finally {
    await run.close();
  }
});

test("after PAUSE the client's bytes stay reachable from a gRPC answer, and go on edited", async () => {
  const { port: grpcPort, server } = await echoGrpcServer();
  const run = await runRules("held_grpc", { grpcPort });
  try {
    const port = run.envoy.listenerPort("test");
    const reply = await converse(port, ["held"], 800);
    const rules = run.rules();
    assert.ok(rules.includes("held grpc_call 0"), rules.join("\n"));
    assert.ok(rules.includes("grpc get 0 'held'"), rules.join("\n"));
    assert.equal(reply, "<held>|up");
  } finally {
    await run.close();
    server.forceShutdown();
  }
});

test("properties as Envoy names them; set_property lands under wasm. and cannot pick tcp_proxy's cluster", async () => {
  const run = await runRules("properties");
  try {
    const port = run.envoy.listenerPort("test");
    assert.equal(await converse(port, ["hi"]), "hi|up", "the default cluster, whatever set_property said");
    await settle();
    const rules = run.rules();
    const value = (name: string) => rules.find((r) => r.startsWith(`property ${name} = `))!.slice(`property ${name} = `.length);
    assert.match(value("source.address"), /^127\.0\.0\.1:\d+$/);
    assert.equal(value("destination.address"), `127.0.0.1:${port}`);
    assert.match(value("connection.id"), /^\d+$/);
    assert.equal(value("plugin_name"), "test");
    assert.equal(value("plugin_root_id"), "test");
    assert.equal(value("plugin_vm_id"), "test");
    assert.equal(value("node.id"), "test-node", "the bootstrap's node");
    assert.equal(value("node.cluster"), "test-cluster");
    assert.equal(value("upstream.address"), "status 1", "not before tcp_proxy has connected");
    assert.match(rules.filter((r) => r.startsWith("property upstream.address = "))[1], /127\.0\.0\.1:\d+$/);
    assert.ok(rules.includes("set_property color 0") && rules.includes("property color = blue"));
  } finally {
    await run.close();
  }
});

test("the foreign function set_envoy_filter_state picks tcp_proxy's cluster and refuses other keys", async () => {
  const run = await runRules("foreign");
  try {
    assert.equal(await converse(run.envoy.listenerPort("test"), ["hi"]), "hi|second");
    await settle();
    assert.ok(run.rules().includes("foreign unknown key 1"));
    assert.ok(run.rules().includes("foreign cluster 0"));
  } finally {
    await run.close();
  }
});

test("metrics: ids carry their type, values land in the stats store under wasmcustom., counters refuse negative steps", async () => {
  const run = await runRules("metrics");
  try {
    const rules = run.rules();
    assert.ok(rules.includes("metric ids 4,5,6"), rules.join("\n"));
    assert.ok(rules.includes("counter value 5") && rules.includes("gauge value 5"));
    assert.ok(rules.includes("negative counter increment 2"));
    assert.equal(run.envoy.stats.counter("wasmcustom.test.counter"), 5);
    assert.equal(run.envoy.stats.gauge("wasmcustom.test.gauge"), 5);
    const admin = await (await fetch(`http://127.0.0.1:${run.envoy.adminPort}/stats`)).text();
    assert.match(admin, /^wasmcustom\.test\.counter: 5$/m);
  } finally {
    await run.close();
  }
});

test("shared data: CAS as Envoy checks it, shared by the VMs of every worker", async () => {
  const run = await runRules("shared", { concurrency: 2 });
  try {
    const rules = run.rules();
    assert.equal(rules.filter((r) => r === "set stale cas 8").length, 2, "CAS_MISMATCH for a stale cas");
    assert.ok(rules.includes("get before 1"), "NOT_FOUND before the first set");
    assert.ok(rules.includes("get before 0 'two' cas 2"), "the second worker's VM sees the first one's value");
  } finally {
    await run.close();
  }
});

test("ticks reach the root context at the period set, and stop when it is 0", async () => {
  const run = await runRules("tick");
  try {
    await settle(300);
    assert.deepEqual(run.rules().filter((r) => r.startsWith("tick")), ["tick 1", "tick 2", "tick 3"]);
  } finally {
    await run.close();
  }
});

test("logs are kept from the configured level up", async () => {
  const run = await runRules("logs", { logLevel: LogLevel.Warn });
  try {
    const levels = run.lines.filter((l) => /: level \d$/.test(l)).map((l) => l.slice(-1));
    assert.deepEqual(levels, ["3", "4", "5"]);
  } finally {
    await run.close();
  }
});

test("after a trap, fail open lets connections pass without the filter", async () => {
  const run = await runRules("trap", { failOpen: true });
  try {
    const port = run.envoy.listenerPort("test");
    assert.equal(await converse(port, ["TRAP"]), "TRAP|up");
    assert.equal(await converse(port, ["TRAP again"]), "TRAP again|up");
    assert.ok(run.lines.some((l) => /proxy_on_downstream_data failed/.test(l)));
    assert.equal(run.rules().filter((r) => r.startsWith("new_connection")).length, 1, "the failed VM is not called again");
  } finally {
    await run.close();
  }
});

test("after a trap, fail closed closes every connection", async () => {
  const run = await runRules("trap", { failOpen: false });
  try {
    const port = run.envoy.listenerPort("test");
    assert.equal(await converse(port, ["TRAP"]), "");
    assert.equal(await converse(port, ["hello"]), "");
  } finally {
    await run.close();
  }
});

/** A real gRPC server (grpc-js) with test.Echo/Say (unary) and test.Echo/Chat (bidirectional), on raw bytes. */
async function echoGrpcServer(): Promise<{ port: number; server: grpc.Server }> {
  const server = new grpc.Server();
  const identity = (b: Buffer) => b;
  const codec = { requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity };
  server.addService(
    {
      Say: { path: "/test.Echo/Say", requestStream: false, responseStream: false, ...codec },
      Chat: { path: "/test.Echo/Chat", requestStream: true, responseStream: true, ...codec },
    },
    {
      Say: (call: grpc.ServerUnaryCall<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => done(null, Buffer.concat([Buffer.from("pong:"), call.request])),
      Chat: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
        call.on("data", (m: Buffer) => call.write(Buffer.concat([Buffer.from("echo:"), m])));
        call.on("end", () => call.end());
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { port, server };
}

test("a gRPC stream to a real gRPC server: metadata, each message and the close come back to the root context", async () => {
  const { port, server } = await echoGrpcServer();
  const run = await runRules("grpc_stream", { grpcPort: port });
  try {
    await settle(500);
    const rules = run.rules();
    const open = rules.find((r) => r.startsWith("grpc_stream 0 token "));
    assert.ok(open, rules.join("\n"));
    const token = open.split(" ").at(-1);
    assert.ok(rules.includes("send 0 0"));
    const after = rules.slice(rules.indexOf(open));
    assert.deepEqual(after.filter((r) => r.startsWith("grpc_")).slice(1), [
      `grpc_initial_metadata 1 ${token}`,
      `grpc_receive 1 ${token} 0 'echo:a'`,
      `grpc_receive 1 ${token} 0 'echo:b'`,
      `grpc_trailing_metadata 1 ${token}`,
      `grpc_close 1 ${token} 0`,
    ]);
  } finally {
    await run.close();
    server.forceShutdown();
  }
});

test("a gRPC call reaches a real gRPC server and its reply comes back to the root context; an unknown cluster is refused", async () => {
  const { port, server } = await echoGrpcServer();
  const run = await runRules("grpc", { grpcPort: port });
  try {
    await settle(500);
    const rules = run.rules();
    const call = rules.find((r) => r.startsWith("grpc_call 0 token "));
    assert.ok(call, rules.join("\n"));
    const token = call.split(" ").at(-1);
    assert.ok(rules.includes(`grpc_receive 1 ${token} 0 'pong:ping'`), rules.join("\n"));
    assert.notEqual(rules.find((r) => r.startsWith("grpc_call unknown cluster")), "grpc_call unknown cluster 0");
  } finally {
    await run.close();
    server.forceShutdown();
  }
});
