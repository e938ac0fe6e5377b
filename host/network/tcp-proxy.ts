// tcp_proxy as an ordinary read filter (Envoy source/common/tcp_proxy/tcp_proxy.cc): it sees the
// downstream connection only through its ReadFilterCallbacks, and the upstream through the
// clusters. Upstream connect mode IMMEDIATE (the only one the host accepts): the upstream
// connection starts in onNewConnection, to the cluster in the filter state
// `envoy.tcp_proxy.cluster` if a filter before it set one, else the configured cluster. End of
// stream is passed on as a half-close both ways.
//
// What happens to client bytes before the upstream is connected depends on `max_early_data_bytes`
// (Envoy's `receive_before_connect_`):
// - unset: the downstream is read-disabled when the chain is BUILT (Filter::initialize), so no
//   filter sees a byte until tcp_proxy has connected; a filter that stops in onNewConnection,
//   before tcp_proxy has started, stalls the connection for good;
// - set: reads stay on; bytes that reach tcp_proxy before the upstream is up wait in its early
//   data buffer (reads are disabled once it holds max_early_data_bytes) and are written upstream
//   once connected. They are not handed to the chain a second time.
import type net from "node:net";
import type { StatsStore } from "../stats.ts";
import { ByteBuffer } from "./buffer.ts";
import type { Cluster } from "./cluster.ts";
import { ConnectionEvent, FilterStatus, type ConnectionCallbacks, type ReadFilter, type ReadFilterCallbacks } from "./filter.ts";

export const TCP_PROXY_CLUSTER_KEY = "envoy.tcp_proxy.cluster";

export interface TcpProxyConfig {
  statPrefix: string;
  cluster: string;
  /** TcpProxy.max_early_data_bytes; undefined when unset (no early data: reads off until connected). */
  maxEarlyDataBytes?: number;
}

export class TcpProxy implements ReadFilter, ConnectionCallbacks {
  private callbacks!: ReadFilterCallbacks;
  private upstream: net.Socket | null = null;
  private cluster: Cluster | null = null;
  /** Filter::receive_before_connect_: max_early_data_bytes is set. */
  private readonly receiveBeforeConnect: boolean;
  /** Filter::early_data_buffer_ and early_data_end_stream_. */
  private earlyData = new ByteBuffer();
  private earlyDataEndStream = false;
  /** Filter::read_disabled_due_to_buffer_. */
  private readDisabledDueToBuffer = false;

  constructor(
    private config: TcpProxyConfig,
    private clusters: Map<string, Cluster>,
    private stats: StatsStore,
  ) {
    this.receiveBeforeConnect = config.maxEarlyDataBytes !== undefined;
  }

  private stat(name: string): string {
    return `tcp.${this.config.statPrefix}.${name}`;
  }

  /**
   * Filter::initialize, from initializeReadFilterCallbacks, i.e. when the chain is built, before any
   * filter's onNewConnection: registers for the downstream's events, read-disables the downstream
   * unless receive_before_connect is on, and counts the connection.
   */
  initializeReadFilterCallbacks(callbacks: ReadFilterCallbacks): void {
    this.callbacks = callbacks;
    const conn = callbacks.connection;
    conn.addConnectionCallbacks(this);
    if (!this.receiveBeforeConnect) conn.readDisable(true);
    this.stats.inc(this.stat("downstream_cx_total"));
  }

  /**
   * Filter::onNewConnection (mode IMMEDIATE): pickRoute, then establishUpstreamConnection, which
   * returns Continue when receive_before_connect is on (bytes already read go on to onData, into
   * the early data buffer) and StopIteration otherwise.
   */
  onNewConnection(): FilterStatus {
    const conn = this.callbacks.connection;
    const name = conn.filterState.get(TCP_PROXY_CLUSTER_KEY) ?? this.config.cluster;
    const cluster = this.clusters.get(name);
    if (!cluster) {
      // establishUpstreamConnection without a cluster: downstream_cx_no_route, onInitFailure closes.
      this.stats.inc(this.stat("downstream_cx_no_route"));
      conn.close();
      return FilterStatus.StopIteration;
    }
    cluster.connect(
      (socket, address) => this.onGenericPoolReady(socket, address, cluster),
      () => conn.close(),
    );
    return this.receiveBeforeConnect ? FilterStatus.Continue : FilterStatus.StopIteration;
  }

  /**
   * Filter::onData: with an upstream, the bytes go to it; before it, with receive_before_connect,
   * they move into the early data buffer, and reaching max_early_data_bytes read-disables the
   * downstream (each time it is reached, as Envoy does). Without receive_before_connect reads are
   * off until the upstream is up, so no bytes come here before it (Envoy asserts as much).
   */
  onData(data: ByteBuffer, endStream: boolean): FilterStatus {
    if (this.upstream) {
      this.stats.inc(this.stat("downstream_cx_rx_bytes_total"), data.length);
      this.encodeData(data, endStream);
    } else if (this.receiveBeforeConnect) {
      this.stats.inc(this.stat("downstream_cx_rx_bytes_total"), data.length);
      this.earlyData.move(data);
      this.earlyDataEndStream ||= endStream;
      if (this.earlyData.length >= (this.config.maxEarlyDataBytes ?? 0)) {
        this.callbacks.connection.readDisable(true);
        this.readDisabledDueToBuffer = true;
      }
    }
    return FilterStatus.StopIteration;
  }

  /** Filter::onDownstreamEvent: the downstream connection is gone, so is the upstream one (or the pending connect). */
  onEvent(event: ConnectionEvent): void {
    if (event === ConnectionEvent.RemoteClose || event === ConnectionEvent.LocalClose) this.upstream?.destroy();
  }

  /**
   * Filter::DownstreamCallbacks::onAboveWriteBufferHighWatermark and
   * onBelowWriteBufferLowWatermark (source/common/tcp_proxy/tcp_proxy.cc; Envoy's
   * source/docs/flow_control.md, "TCP implementation details"): the client is not reading fast
   * enough, so the upstream is read-disabled until the client's buffer drains; the proxy's memory
   * stays bounded by the buffer limit. Conformance: tests/network/flow-control.test.ts.
   */
  onAboveWriteBufferHighWatermark(): void {
    this.upstream?.pause();
  }

  onBelowWriteBufferLowWatermark(): void {
    this.upstream?.resume();
  }

  /**
   * Filter::onGenericPoolReady: records the upstream host for the chain, runs onUpstreamConnection,
   * then continueReading (iteration after tcp_proxy, the last filter: nothing more runs).
   */
  private onGenericPoolReady(socket: net.Socket, address: string, cluster: Cluster): void {
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
    this.onUpstreamConnection();
    this.callbacks.continueReading();
  }

  /**
   * Filter::onUpstreamConnection: the early data (and its end of stream) goes upstream first; then
   * reads come back on if tcp_proxy turned them off, which (ConnectionImpl::readDisable) hands any
   * bytes still in the read buffer to the chain from its first filter.
   */
  private onUpstreamConnection(): void {
    if (this.earlyData.length > 0 || this.earlyDataEndStream) this.encodeData(this.earlyData, this.earlyDataEndStream);
    const conn = this.callbacks.connection;
    if (this.readDisabledDueToBuffer) {
      this.readDisabledDueToBuffer = false;
      conn.readDisable(false);
    } else if (!this.receiveBeforeConnect) {
      conn.readDisable(false);
    }
  }

  /** GenericUpstream::encodeData for a TCP upstream: the bytes are written, end of stream half-closes. */
  private encodeData(data: ByteBuffer, endStream: boolean): void {
    const up = this.upstream;
    if (!up || up.destroyed) return;
    if (data.length > 0) {
      const bytes = data.toBuffer();
      data.drain(bytes.length);
      this.cluster?.countTx(bytes.length);
      up.write(bytes);
    }
    if (endStream && !up.writableEnded) up.end();
  }
}
