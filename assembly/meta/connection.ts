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
  private services: ConnectionFilterServices[] = [];
  private finished: bool = false;

  constructor(id: u32, root: MetaProtocolRoot) {
    super(id, root);
    const config = root.config!;
    this.port = new HostConnectionPort(id, root.stats!);
    const choice = config.needsUpstreamChoice ? new ConnectionUpstreamChoice(this.port) : null;
    const filters = new Array<MetaFilter>();
    for (let i = 0; i < config.filters.length; i++) {
      const services = new ConnectionFilterServices(this, root, this.port, i, choice);
      this.services.push(services);
      filters.push(config.filters[i].config.createFilter(services));
    }
    this.chain = new FilterChain(filters);
    this.manager = new ConnectionManager(this.port, config.codec!.create(config.maxFrameSize), this.chain, choice);
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
    for (let i = 0; i < this.services.length; i++) {
      if (!this.services[i].ownsGrpcStream(token, closing)) continue;
      if (!this.finished) {
        const filter = this.chain.filters[i];
        if (closing) filter.onGrpcStreamClose(token, status);
        else filter.onGrpcStreamMessage(token, message);
      }
      this.port.endCallback();
      return true;
    }
    return false;
  }

  private grpcDone(token: u32, status: GrpcStatus, response: ArrayBuffer | null): void {
    for (let i = 0; i < this.services.length; i++) {
      if (this.services[i].takeGrpcCall(token)) {
        if (!this.finished) this.chain.filters[i].onGrpcCallDone(token, status, response);
        break;
      }
    }
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
