// One benchmark run: for each protocol its server, for each path its proxy, and for each number of
// connections and pipeline depth a closed-loop throughput run, then an open-loop latency run at
// half that throughput, with the proxy's CPU and memory read from /proc.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { busyBetween, cpuMicros, machineCpuTimes, rssKiB } from "./proc-sampler.ts";
import { nextJson, ProcessGroup, type Started } from "./process-group.ts";
import { startProxy, type PathName } from "./proxies.ts";
import { startServer } from "./servers.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Where each process runs: the proxy alone on one core, everything else on the other. */
export const LAYOUT = { proxyCpu: 1, clientCpu: 0, serverCpu: 0 };
/** A process busier than this (fraction of one core) is called the bottleneck. */
const SATURATED = 0.9;

export interface BenchOptions {
  protocols: string[];
  paths: PathName[];
  connections: number[];
  pipelines: number[];
  /** Length of the closed-loop run and of the open-loop run, each. */
  seconds: number;
  /** Closed loop before each measurement, on its own connections. */
  warmupSeconds: number;
  /** Once per proxy process, 16 connections pipelined: lets V8 tier up the host's and the module's hot code (1 s was not enough: unpipelined figures halved from 1 s to 3 s of warm-up). */
  proxyWarmupSeconds: number;
  onRow?: (row: Row) => void;
  /** Receives the group, so a caller can check afterwards that nothing is left running. */
  group?: ProcessGroup;
}

export interface Row {
  protocol: string;
  path: PathName;
  connections: number;
  pipeline: number;
  rps: number;
  p50Us: number;
  p99Us: number;
  /** Proxy CPU (user + system, all threads) during the closed-loop run, per request; null for direct. */
  proxyCpuUsPerRequest: number | null;
  /** Proxy CPU during the closed-loop run as a fraction of one core; null for direct. */
  proxyCpu: number | null;
  proxyRssKiB: number | null;
  /** Wasm linear memory of the host's VMs in KiB (host paths), after the runs. */
  wasmMemoryKiB: number | null;
  clientCpu: number;
  serverCpu: number;
  /** How busy the clients' CPU and the proxy's CPU were during the closed loop, counting every process on the machine. */
  clientCpuBusy: number;
  proxyCpuBusy: number;
  /**
   * What saturated during the closed loop, if anything: the proxy or the load generator (its own
   * process above 90% of a core), else the clients' or the proxy's CPU as a whole (above 90% busy,
   * with the servers or with other work on the machine).
   */
  bottleneck: "proxy" | "client" | "client cpu" | "proxy cpu" | null;
  errors: number;
  mismatched: number;
}

type Reply = Record<string, number> & { error?: string };

async function ask(generator: Started, command: object): Promise<Reply> {
  generator.child.stdin!.write(JSON.stringify(command) + "\n");
  const reply = await nextJson<Reply>(generator, "load generator", 60_000);
  if (reply.error) throw new Error(`load generator: ${reply.error}`);
  return reply;
}

function bottleneck(proxyCpu: number | null, clientCpu: number, busy: number[]): Row["bottleneck"] {
  if (proxyCpu !== null && proxyCpu > SATURATED) return "proxy";
  if (clientCpu > SATURATED) return "client";
  if (busy[LAYOUT.clientCpu] > SATURATED) return "client cpu";
  if (busy[LAYOUT.proxyCpu] > SATURATED) return "proxy cpu";
  return null;
}

export async function runBench(o: BenchOptions): Promise<Row[]> {
  const group = o.group ?? new ProcessGroup();
  const tmp = mkdtempSync(path.join(tmpdir(), "bench-e2e-"));
  const rows: Row[] = [];
  try {
    const generator = group.start(LAYOUT.clientCpu, process.execPath, ["--import", "tsx", path.join(root, "bench/e2e/load-generator.ts")], { cwd: root });
    await nextJson(generator, "load generator");
    for (const protocol of o.protocols) {
      const server = await startServer(group, protocol, LAYOUT.serverCpu);
      for (const name of o.paths) {
        const proxy = await startProxy(group, name, protocol, server.port, LAYOUT.proxyCpu, tmp);
        const proxyPid = proxy.process?.pid;
        if (proxyPid) {
          await ask(generator, { cmd: "connect", port: proxy.port, protocol, connections: 16 });
          await ask(generator, { cmd: "closed", pipeline: 16, seconds: o.proxyWarmupSeconds });
          await ask(generator, { cmd: "disconnect" });
        }
        for (const connections of o.connections) {
          for (const pipeline of o.pipelines) {
            await ask(generator, { cmd: "connect", port: proxy.port, protocol, connections });
            await ask(generator, { cmd: "closed", pipeline, seconds: o.warmupSeconds });
            const before = { proxy: proxyPid ? cpuMicros(proxyPid) : 0, server: cpuMicros(server.process.pid), machine: machineCpuTimes() };
            const closed = await ask(generator, { cmd: "closed", pipeline, seconds: o.seconds });
            const after = { proxy: proxyPid ? cpuMicros(proxyPid) : 0, server: cpuMicros(server.process.pid), machine: machineCpuTimes() };
            const busy = busyBetween(before.machine, after.machine);
            const open = await ask(generator, { cmd: "open", pipeline, seconds: o.seconds, rate: Math.max(1, closed.rps / 2) });
            const pages = proxy.wasmPages ? await proxy.wasmPages() : null;
            const proxyCpu = proxyPid ? (after.proxy - before.proxy) / 1e6 / closed.seconds : null;
            const serverCpu = (after.server - before.server) / 1e6 / closed.seconds;
            const row: Row = {
              protocol, path: name, connections, pipeline,
              rps: closed.rps, p50Us: open.p50Us, p99Us: open.p99Us,
              proxyCpuUsPerRequest: proxyPid ? (after.proxy - before.proxy) / closed.requests : null,
              proxyCpu,
              proxyRssKiB: proxyPid ? rssKiB(proxyPid) : null,
              wasmMemoryKiB: pages ? pages.reduce((a, b) => a + b, 0) * 64 : null,
              clientCpu: closed.clientCpu, serverCpu,
              clientCpuBusy: busy[LAYOUT.clientCpu], proxyCpuBusy: busy[LAYOUT.proxyCpu],
              bottleneck: bottleneck(proxyCpu, closed.clientCpu, busy),
              errors: closed.errors + open.errors, mismatched: closed.mismatched + open.mismatched,
            };
            await ask(generator, { cmd: "disconnect" });
            rows.push(row);
            o.onRow?.(row);
          }
        }
        if (proxy.process) await group.stop(proxy.process);
      }
      await group.stop(server.process);
    }
    await group.stop(generator);
  } finally {
    await group.stopAll();
    rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}
