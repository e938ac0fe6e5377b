// A listener: accepts TCP connections and runs each through its filter chain. Like Envoy, each
// worker has its own copy of the wasm VM; connections are spread over the workers in turn.
import net from "node:net";
import type { ListenerConfig } from "../config/bootstrap.ts";
import type { StatsStore } from "../stats.ts";
import { WasmPlugin, type HostServices } from "../wasm/plugin.ts";
import type { Cluster } from "./cluster.ts";
import { Connection } from "./connection.ts";
import type { NetworkFilter } from "./filter.ts";
import { TcpProxy } from "./tcp-proxy.ts";

export class Listener {
  private server: net.Server;
  /** workers[w][f]: the plugin of wasm filter f in worker w. */
  private workers: WasmPlugin[][];
  private nextWorker = 0;
  private sockets = new Set<net.Socket>();

  constructor(
    readonly config: ListenerConfig,
    concurrency: number,
    private clusters: Map<string, Cluster>,
    private stats: StatsStore,
    services: HostServices,
  ) {
    this.workers = Array.from({ length: concurrency }, () =>
      config.wasm.map((w) => WasmPlugin.load({ ...w }, services)),
    );
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

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    const plugins = this.workers[this.nextWorker++ % this.workers.length];
    const conn = new Connection(socket, this.stats, this.statScope);
    const filters = plugins.map((p) => p.createFilter()).filter((f): f is NetworkFilter => f !== null);
    const { statPrefix, cluster } = this.config.tcpProxy;
    conn.start(filters, new TcpProxy(statPrefix, cluster, this.clusters, this.stats, conn));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const plugins of this.workers) for (const p of plugins) p.close();
  }
}
