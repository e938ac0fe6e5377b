// A listener: accepts TCP connections and runs each through its filter chain. Like Envoy, each
// worker has its own copy of the wasm VM; connections are spread over the workers in turn.
import net from "node:net";
import type { ListenerConfig } from "../config/bootstrap.ts";
import type { StatsStore } from "../stats.ts";
import { WasmPlugin, type HostServices } from "../wasm/plugin.ts";
import type { Cluster } from "./cluster.ts";
import { Connection } from "./connection.ts";
import { buildFilterChain, tcpProxyFilterFactory, wasmFilterFactory, type NetworkFilterFactory } from "./filter-chain.ts";

/** Test-only: replaces the chain built from the bootstrap (e.g. to put a test's own filters in it). */
export type FilterChainEdit = (listenerName: string, fromBootstrap: NetworkFilterFactory[]) => NetworkFilterFactory[];

export class Listener {
  private server: net.Server;
  /** plugins[f][w]: the plugin of wasm filter f in worker w. */
  private plugins: WasmPlugin[][];
  private factories: NetworkFilterFactory[];
  private nextWorker = 0;
  private sockets = new Set<net.Socket>();

  constructor(
    readonly config: ListenerConfig,
    private concurrency: number,
    clusters: Map<string, Cluster>,
    private stats: StatsStore,
    services: HostServices,
    editChain?: FilterChainEdit,
  ) {
    this.plugins = [];
    try {
      for (const w of config.wasm) this.plugins.push(Array.from({ length: concurrency }, () => WasmPlugin.load({ ...w }, services)));
    } catch (e) {
      this.closePlugins();
      throw e;
    }
    // The bootstrap's chain: its wasm filters in order, then tcp_proxy.
    const fromBootstrap = [...this.plugins.map((p) => wasmFilterFactory(p)), tcpProxyFilterFactory(config.tcpProxy, clusters, stats)];
    this.factories = editChain ? editChain(config.name, fromBootstrap) : fromBootstrap;
    this.server = net.createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
  }

  /** Envoy names listener stats by address: listener.127.0.0.1_10000.* */
  private get statScope(): string {
    return `listener.${this.config.address.host}_${this.port}`;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.config.address.port, this.config.address.host, () => resolve());
    });
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** ActiveTcpListener::newConnection: the connection, its chain, and a close when the chain has no read filter. */
  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    const worker = this.nextWorker++ % this.concurrency;
    const conn = new Connection(socket, this.stats, this.statScope);
    conn.start();
    if (!buildFilterChain(conn.filterManager, this.factories, worker)) conn.close();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.closePlugins();
  }

  private closePlugins(): void {
    for (const perWorker of this.plugins) for (const p of perWorker) p.close();
  }
}
