// One downstream connection over a socket, as Envoy's ConnectionImpl
// (source/common/network/connection_impl.cc): it owns the read buffer and the filter manager,
// counts read-disables, passes writes through the write filters, and tells its connection
// callbacks when it closes. It knows no filter by type.
import type net from "node:net";
import type { StatsStore } from "../stats.ts";
import { ByteBuffer } from "./buffer.ts";
import { ConnectionEvent, FilterStatus, type ConnectionCallbacks } from "./filter.ts";
import { FilterManager, type ManagedConnection } from "./filter-manager.ts";

let nextConnectionId = 1;

/** Envoy's default per_connection_buffer_limit_bytes (a listener's, and what the host applies). */
const CONNECTION_BUFFER_LIMIT = 1024 * 1024;
/**
 * ConnectionImpl::setBufferLimits (source/common/network/connection_impl.cc) sets the write
 * buffer's high watermark to limit + 1, and WatermarkBuffer::setWatermarks
 * (source/common/buffer/watermark_buffer.cc) its low watermark to half the high one.
 */
const WRITE_HIGH_WATERMARK = CONNECTION_BUFFER_LIMIT + 1;
const WRITE_LOW_WATERMARK = Math.floor(WRITE_HIGH_WATERMARK / 2);

export class Connection implements ManagedConnection {
  readonly id = nextConnectionId++;
  readonly filterState = new Map<string, string>();
  readonly readBuffer = new ByteBuffer();
  readEnd = false;
  readonly filterManager = new FilterManager(this);
  readonly remoteAddress: string;
  readonly localAddress: string;
  private writeBuffer = new ByteBuffer();
  private writeEnd = false;
  private callbacks: ConnectionCallbacks[] = [];
  private closed = false;
  private readDisableCount = 0;
  private aboveHighWatermark = false;

  constructor(
    private socket: net.Socket,
    private stats: StatsStore,
    private statScope: string,
  ) {
    this.remoteAddress = `${socket.remoteAddress}:${socket.remotePort}`;
    this.localAddress = `${socket.localAddress}:${socket.localPort}`;
  }

  get open(): boolean {
    return !this.closed;
  }

  /** Counts the connection and starts reading; the listener then builds its chain. */
  start(): void {
    this.stats.addGauge(`${this.statScope}.downstream_cx_active`, 1);
    this.stats.inc(`${this.statScope}.downstream_cx_total`);
    this.socket.on("data", (chunk: Buffer) => {
      this.readBuffer.add(chunk);
      this.onRead();
    });
    this.socket.on("end", () => {
      this.readEnd = true;
      this.onRead();
    });
    this.socket.on("drain", () => this.checkWriteWatermarks());
    this.socket.on("error", () => {}); // reported by close
    this.socket.on("close", () => this.onClosed(ConnectionEvent.RemoteClose));
  }

  addConnectionCallbacks(callbacks: ConnectionCallbacks): void {
    this.callbacks.push(callbacks);
  }

  /** ConnectionImpl::onRead: nothing reaches the filters while reads are disabled; the bytes wait in the buffer. */
  private onRead(): void {
    if (this.closed || this.readDisableCount > 0) return;
    this.filterManager.onRead();
  }

  readEnabled(): boolean {
    return this.readDisableCount === 0;
  }

  /**
   * ConnectionImpl::readDisable: counted; back at zero, bytes already in the read buffer go through
   * the filter chain again from its first filter (Envoy's `dispatch_buffered_data_` fake read
   * event, on a later turn of the event loop).
   */
  readDisable(disable: boolean): void {
    if (this.closed) return;
    if (disable) {
      if (this.readDisableCount++ === 0) this.socket.pause();
      return;
    }
    if (this.readDisableCount === 0 || --this.readDisableCount > 0) return;
    this.socket.resume();
    if (this.readBuffer.length > 0 || this.readEnd) setImmediate(() => this.onRead());
  }

  /** ConnectionImpl::write: through FilterManagerImpl::onWrite, then to the socket unless a write filter stopped. */
  write(data: Buffer, endStream: boolean): void {
    if (this.closed) return;
    this.writeBuffer.add(data);
    this.writeEnd ||= endStream;
    if (this.filterManager.onWrite(this.writeBuffer, this.writeEnd) === FilterStatus.StopIteration) return;
    if (this.writeBuffer.length > 0) {
      const bytes = this.writeBuffer.toBuffer();
      this.writeBuffer.drain(bytes.length);
      this.socket.write(bytes);
      this.checkWriteWatermarks();
    }
    if (this.writeEnd) this.socket.end();
  }

  /**
   * WatermarkBuffer::checkHighAndOverflowWatermarks / checkLowWatermark, then
   * ConnectionImpl::onWriteBufferHighWatermark / onWriteBufferLowWatermark: bytes not yet sent
   * (here the socket's queue) above the high watermark, or back at the low one, tell the connection
   * callbacks once each way (tcp_proxy then read-disables the upstream, or enables it again).
   * Envoy checks at every drain of its write buffer; Node reports only when the queue is empty
   * ('drain'), so the host comes back below the low watermark later than Envoy, never earlier.
   */
  private checkWriteWatermarks(): void {
    const pending = this.socket.writableLength;
    if (!this.aboveHighWatermark && pending > WRITE_HIGH_WATERMARK) {
      this.aboveHighWatermark = true;
      for (const c of this.callbacks) c.onAboveWriteBufferHighWatermark?.();
    } else if (this.aboveHighWatermark && pending <= WRITE_LOW_WATERMARK) {
      this.aboveHighWatermark = false;
      for (const c of this.callbacks) c.onBelowWriteBufferLowWatermark?.();
    }
  }

  /** Connection::close(FlushWrite): what was written is flushed, then the socket closes. */
  close(): void {
    if (this.closed) return;
    this.socket.end(() => this.socket.destroy());
    this.onClosed(ConnectionEvent.LocalClose);
  }

  /** ConnectionImpl::closeSocket then raiseEvent: every connection callback, in the order they were added. */
  private onClosed(event: ConnectionEvent): void {
    if (this.closed) return;
    this.closed = true;
    this.stats.addGauge(`${this.statScope}.downstream_cx_active`, -1);
    this.stats.inc(`${this.statScope}.downstream_cx_destroy`);
    for (const cb of this.callbacks) cb.onEvent(event);
  }
}
