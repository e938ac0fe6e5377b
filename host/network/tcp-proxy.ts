// tcp_proxy as an ordinary read filter (Envoy source/common/tcp_proxy/tcp_proxy.cc): it sees the
// downstream connection only through its ReadFilterCallbacks, and the upstream through the
// clusters. On its onNewConnection it picks the cluster, from the filter state
// `envoy.tcp_proxy.cluster` if a filter before it set one, else its configured cluster, and
// connects; client bytes wait in its own buffer until the upstream is up; end of stream is passed
// on as a half-close both ways.
import type net from "node:net";
import type { StatsStore } from "../stats.ts";
import { ByteBuffer } from "./buffer.ts";
import type { Cluster } from "./cluster.ts";
import { ConnectionEvent, FilterStatus, type ConnectionCallbacks, type ReadFilter, type ReadFilterCallbacks } from "./filter.ts";

export const TCP_PROXY_CLUSTER_KEY = "envoy.tcp_proxy.cluster";

export interface TcpProxyConfig {
  statPrefix: string;
  cluster: string;
}

export class TcpProxy implements ReadFilter, ConnectionCallbacks {
  private callbacks!: ReadFilterCallbacks;
  private upstream: net.Socket | null = null;
  private cluster: Cluster | null = null;
  private pending = new ByteBuffer();
  private pendingEnd = false;

  constructor(
    private config: TcpProxyConfig,
    private clusters: Map<string, Cluster>,
    private stats: StatsStore,
  ) {}

  private stat(name: string): string {
    return `tcp.${this.config.statPrefix}.${name}`;
  }

  /**
   * Filter::initialize: registers for the downstream's events (Filter::DownstreamCallbacks).
   * Envoy also read-disables the downstream here, at chain creation; the host does it in
   * onNewConnection (see there).
   */
  initializeReadFilterCallbacks(callbacks: ReadFilterCallbacks): void {
    this.callbacks = callbacks;
    callbacks.connection.addConnectionCallbacks(this);
  }

  /**
   * Filter::onNewConnection / establishUpstreamConnection. The read-disable that keeps client
   * bytes from outrunning the upstream connection is taken here, when iteration reaches
   * tcp_proxy, where Envoy (without `receive_before_connect`) takes it in Filter::initialize, at
   * chain creation: there a filter before tcp_proxy that stops in onNewConnection gets no bytes
   * until tcp_proxy has started.
   */
  onNewConnection(): FilterStatus {
    const conn = this.callbacks.connection;
    this.stats.inc(this.stat("downstream_cx_total"));
    const name = conn.filterState.get(TCP_PROXY_CLUSTER_KEY) ?? this.config.cluster;
    const cluster = this.clusters.get(name);
    if (!cluster) {
      this.stats.inc(this.stat("downstream_cx_no_route"));
      conn.close();
      return FilterStatus.StopIteration;
    }
    conn.readDisable(true);
    cluster.connect(
      (socket, address) => this.onUpstreamConnected(socket, address, cluster),
      () => conn.close(),
    );
    return FilterStatus.StopIteration;
  }

  /** Filter::onData: the bytes move to the upstream (or wait for it); tcp_proxy is the end of the chain. */
  onData(data: ByteBuffer, endStream: boolean): FilterStatus {
    this.stats.inc(this.stat("downstream_cx_rx_bytes_total"), data.length);
    this.pending.move(data);
    this.pendingEnd ||= endStream;
    this.flush();
    return FilterStatus.StopIteration;
  }

  /** Filter::onDownstreamEvent: the downstream connection is gone, so is the upstream one. */
  onEvent(event: ConnectionEvent): void {
    if (event === ConnectionEvent.RemoteClose || event === ConnectionEvent.LocalClose) this.upstream?.destroy();
  }

  /**
   * Filter::onUpstreamConnection: records the upstream host for the chain, sends what waited and
   * re-enables reads, which hands bytes still in the read buffer to the whole chain again.
   */
  private onUpstreamConnected(socket: net.Socket, address: string, cluster: Cluster): void {
    const conn = this.callbacks.connection;
    // Envoy cancels the pending connection when the downstream closes; the host drops it here.
    if (!conn.open) {
      socket.destroy();
      return;
    }
    this.upstream = socket;
    this.cluster = cluster;
    this.callbacks.setUpstreamHost(address);
    socket.on("data", (chunk: Buffer) => {
      cluster.countRx(chunk.length);
      this.stats.inc(this.stat("downstream_cx_tx_bytes_total"), chunk.length);
      conn.write(chunk, false);
    });
    socket.on("end", () => conn.write(Buffer.alloc(0), true));
    socket.on("error", () => {}); // reported by close
    socket.on("close", () => conn.close());
    this.flush();
    conn.readDisable(false);
  }

  private flush(): void {
    const up = this.upstream;
    if (!up || up.destroyed) return;
    if (this.pending.length > 0) {
      const bytes = this.pending.toBuffer();
      this.pending.drain(bytes.length);
      this.cluster?.countTx(bytes.length);
      up.write(bytes);
    }
    if (this.pendingEnd && !up.writableEnded) up.end();
  }
}
