// End-to-end benchmark (`npm run bench`): Redis, Dubbo (100 B payload and 1 KB frame) and Thrift
// clients against real servers, direct and through a Node byte pipe, HAProxy in TCP mode, and the
// local host with a no-op module and with build/meta_protocol.wasm, at 1, 16 and 64 connections,
// unpipelined and 16 pipelined. Prints a table and the product module / no-op module ratios,
// writes bench/results/e2e.json and bench/results/e2e.svg.
//   node --import tsx bench/e2e/main.ts [--quick] [--seconds S] [--protocols redis,dubbo-1k]
//     [--paths direct,host-module] [--connections 1,16] [--out DIR]
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chartSvg } from "./chart.ts";
import { ProcessGroup } from "./process-group.ts";
import { PATHS, type PathName } from "./proxies.ts";
import { moduleOverNoop, RATIO_TARGET, ratioLines } from "./ratios.ts";
import { LAYOUT, runBench, type BenchOptions } from "./run.ts";
import { tableHeader, tableLine } from "./table.ts";
import { wireOf } from "./wire.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CHART_CONNECTIONS = 16;

function parseArgs(argv: string[]): BenchOptions & { out: string; quick: boolean } {
  const quick = argv.includes("--quick");
  const o = {
    protocols: ["redis", "dubbo", "dubbo-1k", "thrift"],
    paths: [...PATHS] as PathName[],
    connections: quick ? [16] : [1, 16, 64],
    pipelines: [1, 16],
    seconds: quick ? 1 : 2,
    warmupSeconds: quick ? 0.2 : 0.3,
    proxyWarmupSeconds: quick ? 0.5 : 2,
    out: path.join(root, "bench/results"),
    quick,
  };
  const list = (i: number) => argv[i + 1].split(",").filter(Boolean);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") continue;
    else if (a === "--seconds") o.seconds = Number(argv[++i]);
    else if (a === "--protocols") o.protocols = list(i++);
    else if (a === "--paths") o.paths = list(i++) as PathName[];
    else if (a === "--connections") o.connections = list(i++).map(Number);
    else if (a === "--out") o.out = path.resolve(argv[++i]);
    else throw new Error(`unknown option ${a}`);
  }
  for (const p of o.protocols) wireOf(p); // throws on an unknown name before anything starts
  for (const p of o.paths) if (!PATHS.includes(p)) throw new Error(`unknown path ${p} (one of ${PATHS.join(", ")})`);
  return o;
}

function machine() {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model ?? "unknown", cores: cpus.length, kernel: os.release(), loadAverage: os.loadavg() };
}

const LAYOUT_TEXT = `proxy on CPU ${LAYOUT.proxyCpu}; load generator and servers on CPU ${LAYOUT.clientCpu} (taskset)`;

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const group = new ProcessGroup();
  const interrupt = () => {
    group.killAll("SIGKILL");
    process.exit(130);
  };
  process.on("SIGINT", interrupt);
  process.on("SIGTERM", interrupt);
  const before = machine();
  const started = Date.now();
  console.log(`layout: ${LAYOUT_TEXT}; ${o.seconds} s closed loop, then ${o.seconds} s open loop at half its rate`);
  console.log(tableHeader());
  const rows = await runBench({ ...o, group, onRow: (r) => console.log(tableLine(r)) });
  const clientBound = rows.filter((r) => r.bottleneck === "client" || r.bottleneck === "client cpu").length;
  if (clientBound > 0) console.log(`${clientBound} row(s) were bound by the JS load generator or by CPU ${LAYOUT.clientCpu} (clients, servers and anything else there), not by the proxy: see "bound by"`);
  const ratios = moduleOverNoop(rows);
  for (const line of ratioLines(ratios)) console.log(line);
  const result = {
    measuredAt: new Date().toISOString(),
    durationSeconds: (Date.now() - started) / 1000,
    node: process.version,
    machine: { ...before, loadAverageAfter: os.loadavg() },
    layout: { ...LAYOUT, text: LAYOUT_TEXT },
    options: { protocols: o.protocols, paths: o.paths, connections: o.connections, pipelines: o.pipelines, seconds: o.seconds, quick: o.quick },
    rows,
    ratioTarget: RATIO_TARGET,
    ratios,
  };
  mkdirSync(o.out, { recursive: true });
  writeFileSync(path.join(o.out, "e2e.json"), JSON.stringify(result, null, 2) + "\n");
  const subtitle = `${LAYOUT_TEXT}; ${before.cores} cores (${before.cpu}), load average ${before.loadAverage[0].toFixed(1)} at start; ${result.measuredAt.slice(0, 10)}`;
  writeFileSync(path.join(o.out, "e2e.svg"), chartSvg(rows, o.connections.includes(CHART_CONNECTIONS) ? CHART_CONNECTIONS : o.connections[0], subtitle));
  console.log(`written to ${path.relative(process.cwd(), path.join(o.out, "e2e.json"))} and e2e.svg (${result.durationSeconds.toFixed(0)} s)`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
