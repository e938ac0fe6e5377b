// What one filter on one connection may ask of it: wake-ups (through the root's tick: Envoy ticks
// only root contexts), gRPC calls and streams whose replies come back to the same filter, and the
// upstream choice.
import { grpcSend } from "../abi/host";
import { FilterServices, UpstreamChoice } from "./filter";
import { MetaProtocolConnection } from "./connection";
import { ConnectionPort } from "./ports";
import { MetaProtocolRoot } from "./root";
import { Stat } from "./stat-names";

export class ConnectionFilterServices extends FilterServices {
  /** Made on the first call or stream: most filters never make one, and each empty array costs 80 bytes per connection. */
  private grpcTokens: u32[] | null = null;
  private streamTokens: u32[] | null = null;

  constructor(
    private connection: MetaProtocolConnection,
    private root: MetaProtocolRoot,
    private port: ConnectionPort,
    private filterIndex: i32,
    private choice: UpstreamChoice | null,
  ) {
    super();
  }

  get connectionId(): u32 {
    return this.connection.id;
  }

  now(): u64 {
    return this.port.now();
  }

  wakeAfter(milliseconds: u32): void {
    this.root.wakeAfter(this.connection.id, this.filterIndex, milliseconds);
  }

  grpcCall(upstream: Uint8Array, service: string, method: string, message: Uint8Array, timeoutMilliseconds: u32): u32 {
    const token = this.connection.grpcCall(upstream, service, method, null, message, timeoutMilliseconds).token;
    if (token != 0) {
      if (this.grpcTokens === null) this.grpcTokens = [];
      this.grpcTokens!.push(token);
    }
    return token;
  }

  grpcStream(upstream: Uint8Array, service: string, method: string): u32 {
    const token = this.connection.grpcStream(upstream, service, method, null).token;
    if (token != 0) {
      if (this.streamTokens === null) this.streamTokens = [];
      this.streamTokens!.push(token);
    }
    return token;
  }

  grpcSend(token: u32, message: Uint8Array, endStream: bool): bool {
    return grpcSend(token, message, endStream);
  }

  /** Whether `token` is one of this filter's open streams; `closing` forgets it. */
  ownsGrpcStream(token: u32, closing: bool): bool {
    const tokens = this.streamTokens;
    if (tokens === null) return false;
    const i = tokens.indexOf(token);
    if (i < 0) return false;
    if (closing) tokens.splice(i, 1);
    return true;
  }

  /** Whether `token` is one of this filter's calls (forgotten once answered). */
  takeGrpcCall(token: u32): bool {
    const tokens = this.grpcTokens;
    if (tokens === null) return false;
    const i = tokens.indexOf(token);
    if (i < 0) return false;
    tokens.splice(i, 1);
    return true;
  }

  get upstream(): UpstreamChoice | null {
    return this.choice;
  }

  drainConnection(reason: string): void {
    this.connection.drain(reason);
  }

  countRouteMismatch(): void {
    this.port.count(Stat.RouteMismatch, 1);
  }
}
