// A static cluster's endpoints and the upstream connections tcp_proxy opens to them: round robin
// over the hosts, names resolved per connection for STRICT_DNS / LOGICAL_DNS, Envoy's
// connect timeout and its cluster stats.
import { lookup } from "node:dns/promises";
import net from "node:net";
import type { ClusterConfig } from "../config/bootstrap.ts";
import type { StatsStore } from "../stats.ts";

export class Cluster {
  private next = 0;

  constructor(
    readonly config: ClusterConfig,
    private stats: StatsStore,
  ) {}

  private stat(name: string): string {
    return `cluster.${this.config.name}.${name}`;
  }

  /** The next endpoint, resolved; undefined when the cluster has none (Envoy: no healthy upstream). */
  async pick(): Promise<{ host: string; port: number } | undefined> {
    const eps = this.config.endpoints;
    if (eps.length === 0) return undefined;
    const ep = eps[this.next++ % eps.length];
    if (this.config.type === "STATIC" || net.isIP(ep.host)) return ep;
    const { address } = await lookup(ep.host, { family: 4 });
    return { host: address, port: ep.port };
  }

  /**
   * Opens an upstream connection. `onConnected` or `onFailed` is called once; the socket is
   * half-close capable, as Envoy's tcp_proxy upstream is.
   */
  connect(onConnected: (socket: net.Socket, address: string) => void, onFailed: (reason: string) => void): void {
    this.pick().then(
      (ep) => {
        if (!ep) {
          this.stats.inc(this.stat("upstream_cx_none_healthy"));
          onFailed("no healthy upstream");
          return;
        }
        this.stats.inc(this.stat("upstream_cx_total"));
        const socket = net.connect({ host: ep.host, port: ep.port, allowHalfOpen: true });
        socket.setNoDelay(true);
        const timer = setTimeout(() => {
          this.stats.inc(this.stat("upstream_cx_connect_timeout"));
          socket.destroy(new Error("connect timeout"));
        }, this.config.connectTimeoutMs);
        socket.once("connect", () => {
          clearTimeout(timer);
          socket.removeAllListeners("error");
          this.stats.addGauge(this.stat("upstream_cx_active"), 1);
          socket.once("close", () => {
            this.stats.addGauge(this.stat("upstream_cx_active"), -1);
            this.stats.inc(this.stat("upstream_cx_destroy"));
          });
          onConnected(socket, `${ep.host}:${ep.port}`);
        });
        socket.once("error", (e) => {
          clearTimeout(timer);
          this.stats.inc(this.stat("upstream_cx_connect_fail"));
          onFailed(e.message);
        });
      },
      (e: Error) => {
        this.stats.inc(this.stat("upstream_cx_none_healthy"));
        onFailed(`resolving: ${e.message}`);
      },
    );
  }

  countRx(n: number): void {
    this.stats.inc(this.stat("upstream_cx_rx_bytes_total"), n);
  }

  countTx(n: number): void {
    this.stats.inc(this.stat("upstream_cx_tx_bytes_total"), n);
  }
}
