// A downstream connection as Envoy's network filter context: forwards the data callbacks to its
// ConnectionManager, gRPC answers, stream events and wake-ups to the filter that asked, and ends every callback
// by flushing the counters.
import { NetworkContext } from "../abi/context";
import { getBufferBytes } from "../abi/host";
import { BufferType, FilterStatus, GrpcStatus, PeerType } from "../abi/types";
import { ConnectionManager } from "./connection-manager";
import { MetaFilter } from "./filter";
import { FilterChain } from "./filter-chain";
import { ConnectionFilterServices } from "./filter-services";
import { HostConnectionPort } from "./host-port";
import { MetaProtocolRoot } from "./root";
import { Stat } from "./stat-names";
import { ConnectionUpstreamChoice } from "./upstream-choice";

/** The filter index of a wake-up the connection asks for itself (the close of a drained connection). */
const CONNECTION_WAKE: i32 = -1;

export class MetaProtocolConnection extends NetworkContext {
  private port: HostConnectionPort;
  private manager!: ConnectionManager;
  private chain!: FilterChain;
  readonly upstreamChoice: ConnectionUpstreamChoice | null;
  /**
   * The filters' gRPC calls and open streams, as (token, filter index) pairs: made on the first
   * one (most connections never make one).
   */
  private calls: u32[] | null = null;
  private streams: u32[] | null = null;
  private finished: bool = false;

  constructor(id: u32, root: MetaProtocolRoot) {
    super(id, root);
    const config = root.config!;
    this.port = new HostConnectionPort(id, root.stats!);
    const choice = config.needsUpstreamChoice ? new ConnectionUpstreamChoice(this.port) : null;
    this.upstreamChoice = choice;
    const filters = new Array<MetaFilter>(config.filters.length);
    for (let i = 0; i < filters.length; i++) {
      unchecked((filters[i] = config.filters[i].config.createFilter(new ConnectionFilterServices(this, i))));
    }
    this.chain = new FilterChain(filters);
    this.manager = new ConnectionManager(this.port, config.codec!.create(config.maxFrameSize), this.chain, choice);
  }

  /** The host clock, read once per callback. */
  now(): u64 {
    return this.port.now();
  }

  wakeFilterAfter(filterIndex: i32, milliseconds: u32): void {
    (this.root as MetaProtocolRoot).wakeAfter(this.id, filterIndex, milliseconds);
  }

  filterGrpcCall(filterIndex: i32, upstream: Uint8Array, service: string, method: string, message: Uint8Array, timeoutMilliseconds: u32): u32 {
    const token = this.grpcCall(upstream, service, method, null, message, timeoutMilliseconds).token;
    if (token != 0) {
      if (this.calls === null) this.calls = [];
      remember(this.calls!, token, filterIndex);
    }
    return token;
  }

  filterGrpcStream(filterIndex: i32, upstream: Uint8Array, service: string, method: string): u32 {
    const token = this.grpcStream(upstream, service, method, null).token;
    if (token != 0) {
      if (this.streams === null) this.streams = [];
      remember(this.streams!, token, filterIndex);
    }
    return token;
  }

  countRouteMismatch(): void {
    this.port.count(Stat.RouteMismatch, 1);
  }

  onNewConnection(): FilterStatus {
    this.port.count(Stat.ConnectionActive, 1);
    this.port.endCallback();
    return this.manager.waitsForFirstRequest ? FilterStatus.StopIteration : FilterStatus.Continue;
  }

  onDownstreamData(size: usize, endOfStream: bool): FilterStatus {
    const go = this.manager.onDownstreamData(<i32>size, endOfStream);
    this.port.endCallback();
    return go ? FilterStatus.Continue : FilterStatus.StopIteration;
  }

  onUpstreamData(size: usize, endOfStream: bool): FilterStatus {
    this.manager.onUpstreamData(<i32>size, endOfStream);
    // A drained connection closes from the next tick: closed here, the reply passing now would be lost.
    if (this.manager.closeDue) (this.root as MetaProtocolRoot).wakeAfter(this.id, CONNECTION_WAKE, 0);
    this.port.endCallback();
    return FilterStatus.Continue;
  }

  onGrpcReceive(token: u32, size: usize): void {
    const bytes = getBufferBytes(BufferType.GrpcReceiveBuffer, 0, <u32>size);
    if (!this.streamEvent(token, false, GrpcStatus.Ok, bytes)) this.grpcDone(token, GrpcStatus.Ok, bytes);
  }

  onGrpcClose(token: u32, status: GrpcStatus): void {
    if (!this.streamEvent(token, true, status, null)) this.grpcDone(token, status, null);
  }

  /** A message on, or the end of, a stream one of the filters opened; false if no filter owns `token`. */
  private streamEvent(token: u32, closing: bool, status: GrpcStatus, message: ArrayBuffer | null): bool {
    const streams = this.streams;
    if (streams === null) return false;
    const i = ownerOf(streams, token, closing);
    if (i < 0) return false;
    if (!this.finished) {
      const filter = this.chain.filters[i];
      if (closing) filter.onGrpcStreamClose(token, status);
      else filter.onGrpcStreamMessage(token, message);
    }
    this.port.endCallback();
    return true;
  }

  private grpcDone(token: u32, status: GrpcStatus, response: ArrayBuffer | null): void {
    const calls = this.calls;
    const i = calls === null ? -1 : ownerOf(calls, token, true);
    if (i >= 0 && !this.finished) this.chain.filters[i].onGrpcCallDone(token, status, response);
    this.port.endCallback();
  }

  /** A wake-up a filter asked for, or the connection's own (CONNECTION_WAKE); the root's tick made this the effective context. */
  wake(filterIndex: i32): void {
    if (!this.finished) {
      if (filterIndex == CONNECTION_WAKE) this.manager.closeIfDrained();
      else this.chain.filters[filterIndex].onTimer();
    }
    this.port.endCallback();
  }

  /** A filter asked to drain the connection (FilterServices.drainConnection). */
  drain(reason: string): void {
    if (!this.finished) this.manager.drain(reason);
  }

  onDownstreamConnectionClose(peer: PeerType): void {
    this.finish();
  }

  onDone(): bool {
    this.finish();
    return true;
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.port.count(Stat.ConnectionActive, -1);
    this.manager.finish();
    this.port.endLastCallback();
    (this.root as MetaProtocolRoot).forgetConnection(this.id);
  }
}

function remember(owners: u32[], token: u32, filterIndex: i32): void {
  owners.push(token);
  owners.push(<u32>filterIndex);
}

/** The index of the filter that owns `token` in (token, filter index) pairs, -1 if none; `forget` removes the pair. */
function ownerOf(owners: u32[], token: u32, forget: bool): i32 {
  for (let i = 0; i < owners.length; i += 2) {
    if (unchecked(owners[i]) != token) continue;
    const filterIndex = <i32>unchecked(owners[i + 1]);
    if (forget) owners.splice(i, 2);
    return filterIndex;
  }
  return -1;
}
