// The ConnectionPort over plain arrays, behaving as Envoy does for one connection with our filter
// before tcp_proxy (configured with max_early_data_bytes): the client's bytes wait in the read buffer
// while the filter pauses (and stay reachable for later callbacks), and pass to the server on
// Continue or continue_stream (tcp_proxy takes them as early data while it connects).
import { ConnectionManager } from "../../../assembly/meta/connection-manager";
import { BufferPort, ConnectionPort } from "../../../assembly/meta/ports";
import { STAT_NAMES, Stat } from "../../../assembly/meta/stat-names";

export class MemoryBuffer extends BufferPort {
  data: Uint8Array = new Uint8Array(0);
  reachable: bool = false;

  get size(): i32 {
    return this.reachable ? this.data.length : -1;
  }

  fetch(start: i32, length: i32, into: Uint8Array): i32 {
    if (!this.reachable) return -1;
    let n = this.data.length - start;
    if (n > length) n = length;
    if (n <= 0) return 0;
    into.set(this.data.subarray(start, start + n));
    return n;
  }

  /** proxy_set_buffer_bytes as Envoy's Context::setBuffer does it for network data. */
  write(start: i32, length: i32, bytes: Uint8Array): bool {
    if (!this.reachable) return false;
    const size = this.data.length;
    if (start == 0) {
      const drained = length >= size ? size : length;
      const next = new Uint8Array(bytes.length + size - drained);
      next.set(bytes, 0);
      next.set(this.data.subarray(drained), bytes.length);
      this.data = next;
      return true;
    }
    if (start >= size) {
      this.append(bytes);
      return true;
    }
    return false;
  }

  append(bytes: Uint8Array): void {
    const next = new Uint8Array(this.data.length + bytes.length);
    next.set(this.data, 0);
    next.set(bytes, this.data.length);
    this.data = next;
  }

  /** Takes everything out (what passes on). */
  drain(): Uint8Array {
    const all = this.data;
    this.data = new Uint8Array(0);
    return all;
  }
}

export class MemoryPort extends ConnectionPort {
  down: MemoryBuffer = new MemoryBuffer();
  up: MemoryBuffer = new MemoryBuffer();
  clock: u64 = 1_000_000_000;
  continued: bool = false;
  closed: bool = false;
  closeReason: string = "";
  clusterChoices: string[] = [];
  counts: i64[] = new Array<i64>(STAT_NAMES.length).fill(0);
  requestTimes: u64[] = [];

  get downstream(): BufferPort {
    return this.down;
  }
  get upstream(): BufferPort {
    return this.up;
  }
  now(): u64 {
    return this.clock;
  }
  continueDownstream(): void {
    this.continued = true;
  }
  close(reason: string, planned: bool): void {
    this.closed = true;
    this.closeReason = reason;
  }
  chooseCluster(name: string): bool {
    this.clusterChoices.push(name);
    return true;
  }
  count(stat: Stat, delta: i64): void {
    this.counts[stat] += delta;
  }
  recordRequestTime(milliseconds: u64): void {
    this.requestTimes.push(milliseconds);
  }
  logDebug(message: string): void {}

  stat(stat: Stat): i64 {
    return this.counts[stat];
  }
}

/** Drives a ConnectionManager as Envoy's filter manager and tcp_proxy would, recording both ends. */
export class Wire {
  port: MemoryPort = new MemoryPort();
  toServer: u8[] = [];
  toClient: u8[] = [];
  manager: ConnectionManager | null = null;

  attach(manager: ConnectionManager): void {
    this.manager = manager;
  }

  /** The client writes `bytes`: Envoy appends them to the read buffer and calls on_downstream_data. */
  clientSends(bytes: Uint8Array, endOfStream: bool = false): void {
    const down = this.port.down;
    down.append(bytes);
    // FilterManagerImpl calls onData only with bytes or at end of stream.
    if (down.data.length > 0 || endOfStream) this.dispatch(endOfStream);
  }

  private dispatch(endOfStream: bool): void {
    const down = this.port.down;
    down.reachable = true;
    if (!this.manager!.onDownstreamData(down.data.length, endOfStream)) return; // paused: stays reachable
    this.passDownstream();
  }

  private passDownstream(): void {
    const down = this.port.down;
    const bytes = down.drain();
    for (let i = 0; i < bytes.length; i++) this.toServer.push(bytes[i]);
    down.reachable = false;
  }

  /** After a callback outside on_downstream_data (a wake-up, a gRPC answer): continue_stream takes effect. */
  afterCallback(): void {
    if (!this.port.continued) return;
    this.port.continued = false;
    this.passDownstream();
  }

  /** The server writes `bytes`: on_upstream_data, then they pass to the client. */
  serverSends(bytes: Uint8Array, endOfStream: bool = false): void {
    const up = this.port.up;
    up.data = bytes;
    up.reachable = true;
    this.manager!.onUpstreamData(bytes.length, endOfStream);
    const out = up.drain();
    for (let i = 0; i < out.length; i++) this.toClient.push(out[i]);
    up.reachable = false;
  }
}
