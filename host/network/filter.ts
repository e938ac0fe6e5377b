// The seam between a network filter and the connection that runs it, after Envoy's
// envoy/network/filter.h (ReadFilter, WriteFilter, ReadFilterCallbacks) and
// envoy/network/connection.h (Connection, ConnectionCallbacks). Every filter of a chain, the wasm
// filter, tcp_proxy or a test's own, sees the connection only through these.
import type { ByteBuffer } from "./buffer.ts";

export enum FilterStatus {
  Continue = "Continue",
  StopIteration = "StopIteration",
}

export enum ConnectionEvent {
  RemoteClose = "RemoteClose",
  LocalClose = "LocalClose",
  Connected = "Connected",
}

/** Network::ConnectionCallbacks: told when the connection closes, in the order they were added. */
export interface ConnectionCallbacks {
  onEvent(event: ConnectionEvent): void;
  /**
   * Network::ConnectionCallbacks::onAboveWriteBufferHighWatermark / onBelowWriteBufferLowWatermark:
   * the bytes written to the connection and not yet sent passed the buffer limit, or fell back.
   */
  onAboveWriteBufferHighWatermark?(): void;
  onBelowWriteBufferLowWatermark?(): void;
}

/** Network::Connection as a filter sees it. */
export interface FilterConnection {
  /** Connection::id(), as Envoy's `connection.id` property. */
  readonly id: number;
  /** "ip:port" of the client (connectionInfoProvider().remoteAddress()). */
  readonly remoteAddress: string;
  /** "ip:port" the client connected to (connectionInfoProvider().localAddress()). */
  readonly localAddress: string;
  /** streamInfo().filterState(): per-connection state shared by the filters, e.g. `envoy.tcp_proxy.cluster`. */
  readonly filterState: Map<string, string>;
  /** state() == Open. */
  readonly open: boolean;
  addConnectionCallbacks(callbacks: ConnectionCallbacks): void;
  /** Counted; back at zero, bytes already read are dispatched to the chain again (a fake read event). */
  readDisable(disable: boolean): void;
  readEnabled(): boolean;
  /** Bytes (or end of stream) to the client, through the write filters first. */
  write(data: Buffer, endStream: boolean): void;
  /** close(FlushWrite): what was written is flushed, then the socket closes. */
  close(): void;
}

/** Network::ReadFilterCallbacks: one per read filter, from the filter manager that runs it. */
export interface ReadFilterCallbacks {
  readonly connection: FilterConnection;
  /** Resumes iteration after this filter, which returned StopIteration earlier. */
  continueReading(): void;
  /** upstreamHost(): "ip:port" of the upstream host once a filter (tcp_proxy) has set it, shared by the chain. */
  upstreamHost(): string | undefined;
  setUpstreamHost(address: string): void;
}

export interface ReadFilter {
  /** Called once, when the filter is added to a connection's chain (before any onNewConnection). */
  initializeReadFilterCallbacks(callbacks: ReadFilterCallbacks): void;
  /** Called when iteration first reaches the filter. StopIteration ends this pass. */
  onNewConnection(): FilterStatus;
  /** Client bytes. StopIteration leaves them in `data`: the next call sees them plus the new ones. */
  onData(data: ByteBuffer, endStream: boolean): FilterStatus;
}

export interface WriteFilter {
  /** Bytes on their way to the client. StopIteration holds them for the next write. */
  onWrite(data: ByteBuffer, endStream: boolean): FilterStatus;
}

/**
 * What a wasm context reads of its connection (host/wasm/vm.ts ConnectionContext): the wasm filter
 * builds it from its ReadFilterCallbacks.
 */
export interface FilterCallbacks {
  readonly connectionId: number;
  readonly remoteAddress: string;
  readonly localAddress: string;
  upstreamAddress(): string | undefined;
  readonly filterState: Map<string, string>;
  continueReading(): void;
  closeConnection(): void;
}
