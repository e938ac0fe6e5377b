// The end-to-end benchmark in tiny configurations: Redis direct and through the local host with
// the product module, and 1 KB Dubbo through the host with the no-op and the product module, half a
// second each. Checks that the rows carry real figures and that every process the benchmark started
// is gone afterwards; no timing is asserted. Then the 1 KB frame, the ratios and the chart alone.
import assert from "node:assert/strict";
import { test } from "node:test";
import { dubboRequest } from "../../bench/frames.ts";
import { chartSvg } from "../../bench/e2e/chart.ts";
import { isAlive } from "../../bench/e2e/proc-sampler.ts";
import { ProcessGroup } from "../../bench/e2e/process-group.ts";
import { moduleOverNoop } from "../../bench/e2e/ratios.ts";
import { runBench, type Row } from "../../bench/e2e/run.ts";
import { DUBBO_1K_FRAME_BYTES, PAYLOAD, WIRES } from "../../bench/e2e/wire.ts";

const row = (path: Row["path"], pipeline: number, us: number | null, connections = 16, protocol = "redis"): Row => ({
  protocol, path, connections, pipeline, rps: 1, p50Us: 1, p99Us: 1, proxyCpuUsPerRequest: us, proxyCpu: 0.5,
  proxyRssKiB: 1, wasmMemoryKiB: null, clientCpu: 0.1, serverCpu: 0.1, clientCpuBusy: 0.5, proxyCpuBusy: 0.5, bottleneck: null, errors: 0, mismatched: 0,
});

test("redis direct and via the host with meta_protocol.wasm: positive figures, nothing left running", { timeout: 120_000 }, async () => {
  const group = new ProcessGroup();
  const rows = await runBench({
    protocols: ["redis"], paths: ["direct", "host-module"], connections: [4], pipelines: [16],
    seconds: 0.5, warmupSeconds: 0.1, proxyWarmupSeconds: 0.3, group,
  });
  assert.deepEqual(rows.map((r) => r.path), ["direct", "host-module"]);
  const [direct, host] = rows;
  for (const r of rows) {
    assert.ok(r.rps > 0, `${r.path}: rps ${r.rps}`);
    assert.ok(r.p50Us > 0 && r.p99Us >= r.p50Us, `${r.path}: p50 ${r.p50Us} p99 ${r.p99Us}`);
    assert.equal(r.errors + r.mismatched, 0, `${r.path}: errors`);
    assert.ok(r.serverCpu >= 0 && r.clientCpu > 0, `${r.path}: client cpu ${r.clientCpu}`);
    assert.ok(r.clientCpuBusy > 0 && r.clientCpuBusy <= 1, `${r.path}: client cpu busy ${r.clientCpuBusy}`);
    // On the direct path nothing of the benchmark runs on the proxy's CPU: it may be idle.
    assert.ok(r.proxyCpuBusy >= 0 && r.proxyCpuBusy <= 1, `${r.path}: proxy cpu busy ${r.proxyCpuBusy}`);
  }
  assert.ok(host.proxyCpuBusy > 0, `host-module: proxy cpu busy ${host.proxyCpuBusy}`);
  assert.equal(direct.proxyCpuUsPerRequest, null);
  assert.ok(host.proxyCpuUsPerRequest! > 0, `proxy µs/request ${host.proxyCpuUsPerRequest}`);
  assert.ok(host.proxyRssKiB! > 0, `rss ${host.proxyRssKiB}`);
  assert.ok(host.wasmMemoryKiB! >= 64 && host.wasmMemoryKiB! % 64 === 0, `wasm memory ${host.wasmMemoryKiB} KiB`);
  // load generator, redis-server, the host: all started, all gone
  assert.ok(group.pids.length >= 3, `started ${group.pids.join(", ")}`);
  for (const pid of group.pids) assert.equal(isAlive(pid), false, `process ${pid} is still running`);
});

test("1 KB dubbo via the host with the no-op module and with meta_protocol.wasm: answered, one ratio", { timeout: 120_000 }, async () => {
  const group = new ProcessGroup();
  const rows = await runBench({
    protocols: ["dubbo-1k"], paths: ["host-noop", "host-module"], connections: [4], pipelines: [16],
    seconds: 0.5, warmupSeconds: 0.1, proxyWarmupSeconds: 0.3, group,
  });
  assert.deepEqual(rows.map((r) => `${r.protocol} ${r.path}`), ["dubbo-1k host-noop", "dubbo-1k host-module"]);
  for (const r of rows) {
    assert.ok(r.rps > 0, `${r.path}: rps ${r.rps}`);
    assert.equal(r.errors + r.mismatched, 0, `${r.path}: errors`);
    assert.ok(r.proxyCpuUsPerRequest! > 0, `${r.path}: proxy µs/request ${r.proxyCpuUsPerRequest}`);
  }
  const ratios = moduleOverNoop(rows);
  assert.equal(ratios.length, 1);
  assert.ok(ratios[0].moduleOverNoop > 0, `ratio ${ratios[0].moduleOverNoop}`);
  for (const pid of group.pids) assert.equal(isAlive(pid), false, `process ${pid} is still running`);
});

test("dubbo-1k sends 1,024-byte request frames with the id at byte 8; dubbo keeps its 100 B payload", () => {
  const wire = WIRES["dubbo-1k"];
  assert.equal(wire.size, DUBBO_1K_FRAME_BYTES);
  assert.equal(wire.codec, "dubbo");
  const out = Buffer.alloc(wire.size * 2);
  wire.writeRequest(out, 0, 7);
  wire.writeRequest(out, wire.size, 8);
  assert.equal(out.readUInt32BE(12) + 16, wire.size, "body length field");
  assert.deepEqual([out.readBigUInt64BE(4), out.readBigUInt64BE(wire.size + 4)], [7n, 8n]);
  assert.equal(WIRES.dubbo.size, dubboRequest(PAYLOAD, 0).length);
});

test("module / no-op ratios pair rows by protocol, connections and pipeline, and skip rows without a pair", () => {
  const rows = [
    row("host-noop", 16, 4, 16), row("host-module", 16, 10, 16), row("haproxy", 16, 2, 16),
    row("host-noop", 1, 20, 16, "dubbo-1k"), row("host-module", 1, 30, 16, "dubbo-1k"), row("host-module", 1, 50, 16),
    row("host-noop", 1, 20, 64, "dubbo-1k"), row("host-module", 1, 90, 1, "dubbo-1k"),
  ];
  const ratios = moduleOverNoop(rows).map((r) => `${r.protocol} ${r.connections} ${r.pipeline} ${r.moduleOverNoop}`);
  assert.deepEqual(ratios, ["redis 16 16 2.5", "dubbo-1k 16 1 1.5"]);
});

test("the chart has one bar per proxy row at the charted connections, taller for more CPU", () => {
  const svg = chartSvg([row("haproxy", 1, 10), row("host-module", 1, 40), row("haproxy", 16, 1), row("host-module", 16, 4), row("haproxy", 1, 99, 64)], 16, "test");
  const heights = [...svg.matchAll(/<rect x="[^"]+" y="[^"]+" width="[^"]+" height="([^"]+)" fill="#(?:66c2a5|e78ac3)"/g)].map((m) => Number(m[1]));
  assert.equal(heights.length, 4 + 2, "four bars and two legend boxes");
  const bars = heights.slice(0, 4);
  assert.ok(bars[0] < bars[1] && bars[2] < bars[3], `bar heights ${bars}`);
});

test("the chart writes the module / no-op ratio under each protocol that has both and labels dubbo by size", () => {
  const svg = chartSvg(
    [row("host-noop", 1, 10), row("host-module", 1, 15), row("host-noop", 1, 20, 16, "dubbo-1k"), row("host-module", 1, 50, 16, "dubbo-1k"), row("host-module", 1, 9, 16, "dubbo")],
    16, "test",
  );
  const ratios = [...svg.matchAll(/module \/ no-op ([0-9.]+)</g)].map((m) => m[1]);
  assert.deepEqual(ratios, ["1.50", "2.50"]);
  assert.match(svg, />dubbo 1 KB</);
  assert.match(svg, />dubbo 100 B</);
});
