// The seam between a network filter and the connection that runs it, after Envoy's
// Network::ReadFilter / WriteFilter / ReadFilterCallbacks (envoy/network/filter.h).
// The wasm filter (host/wasm) implements NetworkFilter; the TCP runner (host/network)
// implements FilterCallbacks and drives the filter exactly as Envoy's FilterManagerImpl does.
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

export interface FilterCallbacks {
  /** Downstream connection id, as Envoy's `connection.id` property. */
  readonly connectionId: number;
  /** "ip:port" of the client. */
  readonly remoteAddress: string;
  /** "ip:port" the client connected to. */
  readonly localAddress: string;
  /** "ip:port" of the upstream host once tcp_proxy has connected, else undefined. */
  upstreamAddress(): string | undefined;
  /** Envoy's per-connection filter state (StreamInfo::FilterState), e.g. `envoy.tcp_proxy.cluster`. */
  readonly filterState: Map<string, string>;
  /** Resumes iteration after a filter returned StopIteration (ReadFilterCallbacks::continueReading). */
  continueReading(): void;
  /** Closes the downstream connection, flushing pending writes (Connection::close(FlushWrite)). */
  closeConnection(): void;
}

export interface NetworkFilter {
  initializeCallbacks(callbacks: FilterCallbacks): void;
  onNewConnection(): FilterStatus;
  /** Client bytes. StopIteration leaves the bytes in `data`; the next call sees them plus the new ones. */
  onData(data: ByteBuffer, endStream: boolean): FilterStatus;
  /** Upstream bytes on their way to the client. The write path cannot pause: what is in `data` is sent. */
  onWrite(data: ByteBuffer, endStream: boolean): FilterStatus;
  onEvent(event: ConnectionEvent): void;
  /** The connection is gone: the filter is destroyed (proxy_on_done / log / delete). */
  onDestroy(): void;
}
