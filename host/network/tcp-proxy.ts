// tcp_proxy as the terminal read filter (Envoy source/common/tcp_proxy/tcp_proxy.cc): on its
// onNewConnection it picks the cluster, from the filter state `envoy.tcp_proxy.cluster` if a
// filter before it set one, else its configured cluster, and connects; client bytes wait in its
// own buffer until the upstream is up; end of stream is passed on as a half-close both ways.
// While it connects the downstream is read-disabled; bytes that reached the read buffer before
// that are handed to the whole filter chain again once reads resume, as Envoy does.
import type net from "node:net";
import type { StatsStore } from "../stats.ts";
import { ByteBuffer } from "./buffer.ts";
import type { Cluster } from "./cluster.ts";
import { FilterStatus } from "./filter.ts";

export const TCP_PROXY_CLUSTER_KEY = "envoy.tcp_proxy.cluster";

/** What tcp_proxy needs of the downstream connection that runs it. */
export interface DownstreamConnection {
  readonly filterState: Map<string, string>;
  /** Upstream bytes (or end of stream) on their way to the client, through the write filters. */
  write(data: Buffer, endStream: boolean): void;
  /** Closes the downstream connection (flushing what was written). */
  close(): void;
  upstreamConnected(address: string): void;
  /** Connection::readDisable: reads stop while disabled; re-enabling dispatches buffered bytes again. */
  readDisable(disable: boolean): void;
}

export class TcpProxy {
  private upstream: net.Socket | null = null;
  private cluster: Cluster | null = null;
  private pending = new ByteBuffer();
  private pendingEnd = false;
  private started = false;

  constructor(
    private statPrefix: string,
    private defaultCluster: string,
    private clusters: Map<string, Cluster>,
    private stats: StatsStore,
    private downstream: DownstreamConnection,
  ) {}

  private stat(name: string): string {
    return `tcp.${this.statPrefix}.${name}`;
  }

  onNewConnection(): FilterStatus {
    this.started = true;
    this.stats.inc(this.stat("downstream_cx_total"));
    const name = this.downstream.filterState.get(TCP_PROXY_CLUSTER_KEY) ?? this.defaultCluster;
    const cluster = this.clusters.get(name);
    if (!cluster) {
      this.stats.inc(this.stat("downstream_cx_no_route"));
      this.downstream.close();
      return FilterStatus.StopIteration;
    }
    // As Envoy: no reads until the upstream is up, so no client bytes can outrun the connection.
    this.downstream.readDisable(true);
    cluster.connect(
      (socket, address) => this.onUpstreamConnected(socket, address, cluster),
      () => this.downstream.close(),
    );
    return FilterStatus.StopIteration;
  }

  onData(data: ByteBuffer, endStream: boolean): FilterStatus {
    this.stats.inc(this.stat("downstream_cx_rx_bytes_total"), data.length);
    this.pending.move(data);
    this.pendingEnd ||= endStream;
    this.flush();
    return FilterStatus.StopIteration;
  }

  /** The downstream connection is gone: so is the upstream one. */
  onDownstreamClosed(): void {
    this.upstream?.destroy();
  }

  get isStarted(): boolean {
    return this.started;
  }

  private onUpstreamConnected(socket: net.Socket, address: string, cluster: Cluster): void {
    this.upstream = socket;
    this.cluster = cluster;
    this.downstream.upstreamConnected(address);
    socket.on("data", (chunk: Buffer) => {
      cluster.countRx(chunk.length);
      this.stats.inc(this.stat("downstream_cx_tx_bytes_total"), chunk.length);
      this.downstream.write(chunk, false);
    });
    socket.on("end", () => this.downstream.write(Buffer.alloc(0), true));
    socket.on("error", () => {}); // reported by close
    socket.on("close", () => this.downstream.close());
    this.flush();
    this.downstream.readDisable(false);
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
