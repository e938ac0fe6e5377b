// One downstream connection without sockets: the host's own FilterManager (the chain runner the
// TCP host uses) over this in-memory connection, with the wasm filter first and, as the terminal
// filter, a tcp_proxy that records what it would send upstream instead of connecting. It is
// configured as the module needs it (max_early_data_bytes, see host/network/tcp-proxy.ts): reads
// stay on, onNewConnection starts the connect and lets iteration go on, and onData takes the bytes
// as early data until connected, then forwards them. The connect completes right after the
// dispatch that started it, where the TCP host completes it on a later event-loop turn.
import { ByteBuffer } from "../../host/network/buffer.ts";
import { FilterManager, type ManagedConnection } from "../../host/network/filter-manager.ts";
import {
  ConnectionEvent, FilterStatus, type ConnectionCallbacks, type ReadFilter, type ReadFilterCallbacks, type WriteFilter,
} from "../../host/network/filter.ts";

/** tcp_proxy's downstream half: takes every byte that reaches it, once "connected". */
class RecordingProxy implements ReadFilter {
  private callbacks!: ReadFilterCallbacks;
  readonly received: Buffer[] = [];
  connecting = false;
  connected = false;

  initializeReadFilterCallbacks(callbacks: ReadFilterCallbacks): void {
    this.callbacks = callbacks;
  }

  onNewConnection(): FilterStatus {
    this.connecting = true;
    return FilterStatus.Continue;
  }

  onData(data: ByteBuffer): FilterStatus {
    if (data.length > 0) this.received.push(Buffer.from(data.toBuffer()));
    data.drain(data.length);
    return FilterStatus.StopIteration;
  }

  /** onUpstreamConnection: the chain learns the upstream host; early data goes upstream. */
  completeConnect(): void {
    this.connecting = false;
    this.connected = true;
    this.callbacks.setUpstreamHost("127.0.0.1:20000");
  }
}

export class SimConnection implements ManagedConnection {
  readonly filterState = new Map<string, string>();
  readonly readBuffer = new ByteBuffer();
  readEnd = false;
  readonly remoteAddress = "127.0.0.1:40000";
  readonly localAddress = "127.0.0.1:10000";
  private readonly manager = new FilterManager(this);
  private readonly proxy = new RecordingProxy();
  private readonly toClient: Buffer[] = [];
  private writeBuffer = new ByteBuffer();
  private writeEnd = false;
  private callbacks: ConnectionCallbacks[] = [];
  private readDisableCount = 0;
  private fakeReadPending = false;
  private gone = false;
  /** Closed by a filter (the module refused something), as opposed to by the client. */
  closedByFilter = false;

  constructor(
    filter: ReadFilter & WriteFilter,
    readonly id: number,
  ) {
    this.manager.addFilter(filter);
    this.manager.addReadFilter(this.proxy);
    this.dispatch(() => this.manager.initializeReadFilters());
  }

  get open(): boolean {
    return !this.gone;
  }

  get closed(): boolean {
    return this.gone;
  }

  /** Client bytes arrive (one read). */
  send(bytes: Uint8Array, endStream = false): void {
    if (this.gone) return;
    this.readBuffer.add(Buffer.from(bytes));
    this.readEnd ||= endStream;
    if (this.readEnabled()) this.dispatch(() => this.manager.onRead());
  }

  /** Server bytes arrive (one read): through the write filters to the client. */
  receive(bytes: Uint8Array, endStream = false): void {
    if (this.gone || !this.proxy.connected) return;
    this.write(Buffer.from(bytes), endStream);
  }

  /** The client goes away. */
  closeByClient(): void {
    this.closeWith(ConnectionEvent.RemoteClose);
  }

  upstreamBytes(): Buffer {
    return Buffer.concat(this.proxy.received);
  }

  clientBytes(): Buffer {
    return Buffer.concat(this.toClient);
  }

  addConnectionCallbacks(callbacks: ConnectionCallbacks): void {
    this.callbacks.push(callbacks);
  }

  readEnabled(): boolean {
    return this.readDisableCount === 0;
  }

  readDisable(disable: boolean): void {
    if (this.gone) return;
    if (disable) {
      this.readDisableCount++;
      return;
    }
    if (this.readDisableCount === 0 || --this.readDisableCount > 0) return;
    if (this.readBuffer.length > 0 || this.readEnd) this.fakeReadPending = true;
  }

  write(data: Buffer, endStream: boolean): void {
    if (this.gone) return;
    this.writeBuffer.add(data);
    this.writeEnd ||= endStream;
    if (this.manager.onWrite(this.writeBuffer, this.writeEnd) === FilterStatus.StopIteration) return;
    if (this.writeBuffer.length > 0) {
      this.toClient.push(Buffer.from(this.writeBuffer.toBuffer()));
      this.writeBuffer.drain(this.writeBuffer.length);
    }
  }

  /** Connection::close, called by a filter. */
  close(): void {
    if (this.gone) return;
    this.closedByFilter = true;
    this.closeWith(ConnectionEvent.LocalClose);
  }

  private closeWith(event: ConnectionEvent): void {
    if (this.gone) return;
    this.gone = true;
    for (const cb of this.callbacks) cb.onEvent(event);
  }

  /** Runs `start`, then what the TCP host would run on the next event-loop turns: connect, fake reads. */
  private dispatch(start: () => void): void {
    start();
    for (;;) {
      if (this.gone) return;
      if (this.proxy.connecting) {
        this.proxy.completeConnect();
      } else if (this.fakeReadPending) {
        this.fakeReadPending = false;
        if (this.readEnabled()) this.manager.onRead();
      } else {
        return;
      }
    }
  }
}
