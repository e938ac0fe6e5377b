// What one filter on one connection may ask of it: wake-ups (through the root's tick: Envoy ticks
// only root contexts), gRPC calls and streams whose replies come back to the same filter, and the
// upstream choice. It holds only the connection and the filter's place in the chain (the state it
// serves, tokens included, lives on the connection): one small object per filter per connection.
import { grpcSend } from "../abi/host";
import { FilterServices, UpstreamChoice } from "./filter";
import { MetaProtocolConnection } from "./connection";

export class ConnectionFilterServices extends FilterServices {
  constructor(private connection: MetaProtocolConnection, private filterIndex: i32) {
    super();
  }

  get connectionId(): u32 {
    return this.connection.id;
  }

  now(): u64 {
    return this.connection.now();
  }

  wakeAfter(milliseconds: u32): void {
    this.connection.wakeFilterAfter(this.filterIndex, milliseconds);
  }

  grpcCall(upstream: Uint8Array, service: string, method: string, message: Uint8Array, timeoutMilliseconds: u32): u32 {
    return this.connection.filterGrpcCall(this.filterIndex, upstream, service, method, message, timeoutMilliseconds);
  }

  grpcStream(upstream: Uint8Array, service: string, method: string): u32 {
    return this.connection.filterGrpcStream(this.filterIndex, upstream, service, method);
  }

  grpcSend(token: u32, message: Uint8Array, endStream: bool): bool {
    return grpcSend(token, message, endStream);
  }

  get upstream(): UpstreamChoice | null {
    return this.connection.upstreamChoice;
  }

  drainConnection(reason: string): void {
    this.connection.drain(reason);
  }

  countRouteMismatch(): void {
    this.connection.countRouteMismatch();
  }
}
