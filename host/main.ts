// The local host's entry: runs an Envoy v3 bootstrap (listeners with the wasm network filter
// before tcp_proxy, static clusters, admin) the way Envoy would, for tests and for the demo
// where no Envoy binary exists. CLI: node --import tsx host/main.ts -c envoy/demo.yaml
//   [--concurrency N] [-l trace|debug|info|warning|error|critical]
import type http from "node:http";
import { fileURLToPath } from "node:url";
import { startAdmin } from "./admin.ts";
import { BootstrapError, readBootstrap } from "./config/bootstrap.ts";
import { createLogger, parseLogLevel } from "./log.ts";
import { Cluster } from "./network/cluster.ts";
import { Listener, type FilterChainEdit } from "./network/listener.ts";
import { StatsStore } from "./stats.ts";
import { PluginLoadError } from "./wasm/plugin.ts";
import { SharedData } from "./wasm/shared-data.ts";
import { LogLevel } from "./wasm/types.ts";

export interface EnvoyOptions {
  concurrency?: number;
  logLevel?: LogLevel;
  log?: (line: string) => void;
  /** Relative paths in the bootstrap (wasm filenames) resolve from here, as from Envoy's working directory. */
  baseDir?: string;
  /**
   * Test-only: edits each listener's filter chain after it is built from the bootstrap, e.g. to
   * put a test's own filters before or after the wasm filter (the bootstrap reader refuses any
   * filter the host does not implement).
   */
  filterChain?: FilterChainEdit;
}

export interface EnvoyServer {
  listenerPort(name: string): number;
  adminPort: number | undefined;
  stats: StatsStore;
  close(): Promise<void>;
}

export async function startEnvoy(bootstrap: string | object, opts: EnvoyOptions = {}): Promise<EnvoyServer> {
  const config = readBootstrap(bootstrap, opts.baseDir);
  const stats = new StatsStore(config.tagProducer);
  const logLevel = opts.logLevel ?? LogLevel.Info;
  const log = createLogger(logLevel, opts.log);
  const clusters = new Map<string, Cluster>();
  for (const [name, c] of config.clusters) clusters.set(name, new Cluster(c, stats));
  const services = {
    stats,
    log,
    logLevel,
    sharedData: new SharedData(),
    node: config.node,
    cluster: (name: string) => {
      const c = config.clusters.get(name);
      const ep = c?.endpoints[0];
      return c && ep ? { host: ep.host, port: ep.port, http2: c.http2 } : undefined;
    },
  };
  const listeners = new Map<string, Listener>();
  try {
    for (const l of config.listeners) {
      if (!clusters.has(l.tcpProxy.cluster)) throw new BootstrapError(`listener ${l.name}: tcp_proxy cluster '${l.tcpProxy.cluster}' is not defined`);
      const listener = new Listener(l, opts.concurrency ?? 2, clusters, stats, services, opts.filterChain);
      listeners.set(l.name, listener);
      await listener.listen();
    }
  } catch (e) {
    for (const l of listeners.values()) await l.close();
    throw e;
  }
  let admin: http.Server | undefined;
  if (config.admin) admin = await startAdmin(config.admin.host, config.admin.port, stats, clusters);
  log(LogLevel.Info, `starting main dispatch loop: ${[...listeners.values()].map((l) => `${l.config.name} on ${l.config.address.host}:${l.port}`).join(", ")}`);
  return {
    listenerPort(name) {
      const l = listeners.get(name);
      if (!l) throw new Error(`no listener named ${name}`);
      return l.port;
    },
    adminPort: admin ? (admin.address() as { port: number }).port : undefined,
    stats,
    async close() {
      for (const l of listeners.values()) await l.close();
      if (admin) {
        admin.closeAllConnections();
        await new Promise<void>((r) => admin!.close(() => r()));
      }
    },
  };
}

function parseArgs(argv: string[]): { config: string; opts: EnvoyOptions } {
  let config = "";
  const opts: EnvoyOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-c" || a === "--config-path") config = argv[++i];
    else if (a === "--concurrency") opts.concurrency = Number(argv[++i]);
    else if (a === "-l" || a === "--log-level") opts.logLevel = parseLogLevel(argv[++i]);
    else throw new Error(`unknown option ${a}`);
  }
  if (!config) throw new Error("usage: host/main.ts -c <bootstrap.yaml> [--concurrency N] [-l level]");
  return { config, opts };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const { config, opts } = parseArgs(process.argv.slice(2));
    const server = await startEnvoy(config, opts);
    const stop = () => server.close().then(() => process.exit(0));
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  } catch (e) {
    if (e instanceof BootstrapError || e instanceof PluginLoadError) {
      console.error(`error initializing configuration: ${e.message}`);
      process.exit(1);
    }
    throw e;
  }
}
