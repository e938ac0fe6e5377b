// One downstream connection and its network filter chain, driven as Envoy's FilterManagerImpl
// drives it (source/common/network/filter_manager_impl.cc): read filters in order, each
// initialised with onNewConnection the first time iteration reaches it, onData only when there are
// bytes or end of stream, StopIteration ending the pass with the bytes left in the read buffer;
// continueReading resumes after the filter that asked. Upstream bytes pass the same filters as
// write filters, in reverse order; a write filter that stops leaves them for the next write.
import type net from "node:net";
import type { StatsStore } from "../stats.ts";
import { ByteBuffer } from "./buffer.ts";
import { ConnectionEvent, FilterStatus, type FilterCallbacks, type NetworkFilter } from "./filter.ts";
import type { DownstreamConnection, TcpProxy } from "./tcp-proxy.ts";

interface ReadFilter {
  onNewConnection(): FilterStatus;
  onData(data: ByteBuffer, endStream: boolean): FilterStatus;
}

let nextConnectionId = 1;

export class Connection implements DownstreamConnection {
  readonly id = nextConnectionId++;
  readonly filterState = new Map<string, string>();
  private readBuffer = new ByteBuffer();
  private readEnd = false;
  private writeBuffer = new ByteBuffer();
  private writeEnd = false;
  private filters: Array<{ filter: ReadFilter; initialized: boolean }> = [];
  private wasmFilters: NetworkFilter[] = [];
  private upstreamAddress: string | undefined;
  private closed = false;
  private readDisableCount = 0;
  tcpProxy!: TcpProxy;

  constructor(
    private socket: net.Socket,
    private stats: StatsStore,
    private statScope: string,
  ) {}

  /** Adds the filters in chain order (wasm filters, then tcp_proxy) and starts iteration. */
  start(wasmFilters: NetworkFilter[], tcpProxy: TcpProxy): void {
    this.tcpProxy = tcpProxy;
    this.wasmFilters = wasmFilters;
    wasmFilters.forEach((f, i) => {
      f.initializeCallbacks(this.callbacksFor(i));
      this.filters.push({ filter: f, initialized: false });
    });
    this.filters.push({ filter: tcpProxy, initialized: false });
    this.stats.addGauge(`${this.statScope}.downstream_cx_active`, 1);
    this.stats.inc(`${this.statScope}.downstream_cx_total`);

    this.socket.on("data", (chunk: Buffer) => {
      this.readBuffer.add(chunk);
      this.continueFrom(0);
    });
    this.socket.on("end", () => {
      this.readEnd = true;
      this.continueFrom(0);
    });
    this.socket.on("error", () => {}); // reported by close
    this.socket.on("close", () => this.onClosed(ConnectionEvent.RemoteClose));
    this.continueFrom(0);
  }

  private callbacksFor(index: number): FilterCallbacks {
    const conn = this;
    return {
      connectionId: this.id,
      remoteAddress: `${this.socket.remoteAddress}:${this.socket.remotePort}`,
      localAddress: `${this.socket.localAddress}:${this.socket.localPort}`,
      upstreamAddress: () => this.upstreamAddress,
      filterState: this.filterState,
      continueReading: () => conn.continueFrom(index + 1),
      closeConnection: () => conn.close(),
    };
  }

  private continueFrom(start: number): void {
    for (let i = start; i < this.filters.length && !this.closed; i++) {
      const entry = this.filters[i];
      if (!entry.initialized) {
        entry.initialized = true;
        if (entry.filter.onNewConnection() === FilterStatus.StopIteration || this.closed) return;
      }
      if (this.readBuffer.length > 0 || this.readEnd) {
        if (entry.filter.onData(this.readBuffer, this.readEnd) === FilterStatus.StopIteration) return;
      }
    }
  }

  upstreamConnected(address: string): void {
    this.upstreamAddress = address;
  }

  /**
   * ConnectionImpl::readDisable: counted; back at zero, bytes already in the read buffer go through
   * the filter chain again from its first filter (Envoy's `dispatch_buffered_data_` fake read event).
   */
  readDisable(disable: boolean): void {
    if (this.closed) return;
    if (disable) {
      if (this.readDisableCount++ === 0) this.socket.pause();
      return;
    }
    if (this.readDisableCount === 0 || --this.readDisableCount > 0) return;
    this.socket.resume();
    if (this.readBuffer.length > 0 || this.readEnd) setImmediate(() => this.continueFrom(0));
  }

  write(data: Buffer, endStream: boolean): void {
    if (this.closed) return;
    this.writeBuffer.add(data);
    this.writeEnd ||= endStream;
    for (let i = this.wasmFilters.length - 1; i >= 0; i--) {
      if (this.wasmFilters[i].onWrite(this.writeBuffer, this.writeEnd) === FilterStatus.StopIteration) return;
      if (this.closed) return;
    }
    if (this.writeBuffer.length > 0) {
      const bytes = this.writeBuffer.toBuffer();
      this.writeBuffer.drain(bytes.length);
      this.socket.write(bytes);
    }
    if (this.writeEnd) this.socket.end();
  }

  /** Connection::close(FlushWrite): what was written is flushed, then the socket closes. */
  close(): void {
    if (this.closed) return;
    this.socket.end(() => this.socket.destroy());
    this.onClosed(ConnectionEvent.LocalClose);
  }

  private onClosed(event: ConnectionEvent): void {
    if (this.closed) return;
    this.closed = true;
    this.stats.addGauge(`${this.statScope}.downstream_cx_active`, -1);
    this.stats.inc(`${this.statScope}.downstream_cx_destroy`);
    this.tcpProxy.onDownstreamClosed();
    for (const f of this.wasmFilters) f.onEvent(event);
    for (const f of this.wasmFilters) f.onDestroy();
  }
}
