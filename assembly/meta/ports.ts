// What the connection manager needs from Envoy, as a small interface: one direction's buffer, the
// clock, continue, close, the upstream cluster choice and the counters. The module implements it
// over the ABI (host-port.ts); the unit specs implement it over plain arrays, so the framing, the
// chain and the pairing can be driven byte by byte without a host.
import { Stat } from "./stat-names";

/** One direction's bytes in Envoy (DOWNSTREAM_DATA or UPSTREAM_DATA), with Envoy's edit rules. */
export abstract class BufferPort {
  /** Bytes in the buffer now, or -1 when Envoy offers none (outside a callback, after CONTINUE). */
  abstract get size(): i32;
  /** Copies up to `length` bytes at `start` into `into` (from its offset 0); returns bytes copied. */
  abstract fetch(start: i32, length: i32, into: Uint8Array): i32;
  /**
   * proxy_set_buffer_bytes: start 0 drains `length` bytes and prepends `data` (length >= size
   * replaces all); start >= size appends; anything else is refused (false).
   */
  abstract write(start: i32, length: i32, data: Uint8Array): bool;
}

export abstract class ConnectionPort {
  abstract get downstream(): BufferPort;
  abstract get upstream(): BufferPort;
  /** Nanoseconds; the module reads the host clock once per callback. */
  abstract now(): u64;
  /** proxy_continue_stream(DOWNSTREAM): the paused client bytes go on after this callback. */
  abstract continueDownstream(): void;
  /**
   * Closes the client connection (flushing what was written), after logging why: at warning level
   * for a failure, at info level for a planned close (`planned`: a drained connection).
   */
  abstract close(reason: string, planned: bool): void;
  /** Sets tcp_proxy's cluster before the upstream connects; false if refused. */
  abstract chooseCluster(name: string): bool;
  abstract count(stat: Stat, delta: i64): void;
  abstract recordRequestTime(milliseconds: u64): void;
  abstract logDebug(message: string): void;
}
