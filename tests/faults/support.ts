// What the fault tests share: the local host running a module (build/meta_protocol.wasm unless
// told) in front of tcp_proxy, with a view of each worker's VM (its live connection contexts, tick
// period and linear memory), and the module's counters and gauges; plus small helpers to wait
// for a condition and to start a real redis-server.
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { startEnvoy, type EnvoyServer } from "../../host/main.ts";
import type { NetworkFilterFactory } from "../../host/network/filter-chain.ts";
import type { FilterManager } from "../../host/network/filter-manager.ts";
import { WasmNetworkFilter } from "../../host/wasm/plugin.ts";
import { LogLevel } from "../../host/wasm/types.ts";
import type { Vm } from "../../host/wasm/vm.ts";
import { PRODUCT_MODULE } from "../integration/support.ts";
import { bootstrapFor } from "../network/support.ts";

export const WASM_PAGE = 65536;

export interface FaultHostOptions {
  /** Codec name as in the plugin configuration. */
  codec: string;
  upstreamPort: number;
  /** `metaProtocolFilters` entries. */
  filters?: unknown[];
  wasm?: string;
  failOpen?: boolean;
  /** Workers (VM copies); 1 unless told, so that every connection shares one VM. */
  concurrency?: number;
  log?: (line: string) => void;
}

export interface FaultHost {
  port: number;
  envoy: EnvoyServer;
  /** The VM of each worker that has taken a connection so far. */
  vms(): Vm[];
  /** Connection contexts still alive in the VMs (the host's side: Vm.connections). */
  liveContexts(): number;
  /** The largest linear memory of the VMs, in 64 KiB pages. */
  memoryPages(): number;
  /** The largest tick period the VMs asked for (0: no VM is ticking). */
  tickPeriodMs(): number;
  /** A counter of the module, `meta_protocol.<codec>.<name>`. */
  counter(name: string): number;
  /** A gauge of the module, `meta_protocol.<codec>.<name>`. */
  gauge(name: string): number;
  close(): Promise<void>;
}

/**
 * Wraps the wasm filter's factory so that the VM behind each new connection's filter is seen: the
 * filter manager it is given forwards everything, and notes the WasmNetworkFilter it adds.
 */
function watchVms(factory: NetworkFilterFactory, seen: Map<number, Vm>): NetworkFilterFactory {
  return (manager, worker) => {
    const noting = new Proxy(manager, {
      get(target, key) {
        if (key !== "addFilter") return Reflect.get(target, key);
        return (filter: Parameters<FilterManager["addFilter"]>[0]) => {
          if (filter instanceof WasmNetworkFilter) seen.set(worker, filter.vm);
          target.addFilter(filter);
        };
      },
    });
    factory(noting, worker);
  };
}

export async function startFaultHost(o: FaultHostOptions): Promise<FaultHost> {
  const statPrefix = o.codec;
  const configuration: Record<string, unknown> = { statPrefix, codec: { name: o.codec } };
  if (o.filters !== undefined) configuration.metaProtocolFilters = o.filters;
  const seen = new Map<number, Vm>();
  const envoy = await startEnvoy(
    bootstrapFor({
      wasm: o.wasm ?? PRODUCT_MODULE,
      clusters: { upstream: o.upstreamPort },
      defaultCluster: "upstream",
      pluginConfiguration: JSON.stringify(configuration),
      failOpen: o.failOpen,
      // The module routes by the first request: it needs tcp_proxy's early data.
      maxEarlyDataBytes: 65536,
    }),
    {
      concurrency: o.concurrency ?? 1,
      logLevel: LogLevel.Warn,
      log: o.log ?? (() => {}),
      filterChain: (_listener, factories) => [watchVms(factories[0], seen), ...factories.slice(1)],
    },
  );
  const vms = () => [...seen.values()];
  const name = (n: string) => `wasmcustom.meta_protocol.${statPrefix}.${n}`;
  return {
    port: envoy.listenerPort("test"),
    envoy,
    vms,
    liveContexts: () => vms().reduce((n, vm) => n + vm.connections.size, 0),
    memoryPages: () => Math.max(0, ...vms().map((vm) => vm.memory.buffer.byteLength / WASM_PAGE)),
    tickPeriodMs: () => Math.max(0, ...vms().map((vm) => vm.tickPeriodMs)),
    counter: (n) => envoy.stats.counter(name(n)),
    gauge: (n) => envoy.stats.gauge(name(n)),
    close: () => envoy.close(),
  };
}

/** Resolves once `condition` holds, polling; rejects naming `what` after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A raw TCP server on an ephemeral port; `close` destroys its sockets and frees the port. */
export async function rawServer(onSocket: (s: net.Socket) => void): Promise<{ port: number; accepted(): number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    accepted++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => accepted,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** A real redis-server on a free port, without persistence. */
export async function startRedis(): Promise<{ port: number; stop(): Promise<void> }> {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const child: ChildProcess = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const up = () => new Promise<boolean>((r) => net.connect(port, "127.0.0.1").on("connect", function (this: net.Socket) { this.destroy(); r(true); }).on("error", () => r(false)));
  for (let i = 0; i < 50 && !(await up()); i++) await sleep(100);
  return {
    port,
    stop: async () => {
      child.kill();
      await exited;
    },
  };
}
