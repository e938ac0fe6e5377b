// The end-to-end benchmark in one tiny configuration: Redis direct and through the local host with
// the product module, half a second each. Checks that the row carries real figures and that every
// process the benchmark started is gone afterwards; no timing is asserted.
import assert from "node:assert/strict";
import { test } from "node:test";
import { chartSvg } from "../../bench/e2e/chart.ts";
import { isAlive } from "../../bench/e2e/proc-sampler.ts";
import { ProcessGroup } from "../../bench/e2e/process-group.ts";
import { runBench, type Row } from "../../bench/e2e/run.ts";

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

test("the chart has one bar per proxy row at the charted connections, taller for more CPU", () => {
  const row = (path: Row["path"], pipeline: number, us: number, connections = 16): Row => ({
    protocol: "redis", path, connections, pipeline, rps: 1, p50Us: 1, p99Us: 1, proxyCpuUsPerRequest: us, proxyCpu: 0.5,
    proxyRssKiB: 1, wasmMemoryKiB: null, clientCpu: 0.1, serverCpu: 0.1, clientCpuBusy: 0.5, proxyCpuBusy: 0.5, bottleneck: null, errors: 0, mismatched: 0,
  });
  const svg = chartSvg([row("haproxy", 1, 10), row("host-module", 1, 40), row("haproxy", 16, 1), row("host-module", 16, 4), row("haproxy", 1, 99, 64)], 16, "test");
  const heights = [...svg.matchAll(/<rect x="[^"]+" y="[^"]+" width="[^"]+" height="([^"]+)" fill="#(?:66c2a5|e78ac3)"/g)].map((m) => Number(m[1]));
  assert.equal(heights.length, 4 + 2, "four bars and two legend boxes");
  const bars = heights.slice(0, 4);
  assert.ok(bars[0] < bars[1] && bars[2] < bars[3], `bar heights ${bars}`);
});
