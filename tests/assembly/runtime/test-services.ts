// FilterServices for the runtime specs: the clock and the counters of a MemoryPort, the upstream
// choice, a drain that goes to the connection manager (as connection.ts does), and the wake-ups
// asked for, which the spec fires itself.
import { ConnectionManager } from "../../../assembly/meta/connection-manager";
import { FilterServices, UpstreamChoice } from "../../../assembly/meta/filter";
import { Stat } from "../../../assembly/meta/stat-names";
import { MemoryPort } from "./memory-port";

export class TestServices extends FilterServices {
  manager: ConnectionManager | null = null;
  wakes: u32[] = [];

  constructor(private port: MemoryPort, private choice: UpstreamChoice | null) {
    super();
  }
  get connectionId(): u32 {
    return 1;
  }
  now(): u64 {
    return this.port.clock;
  }
  wakeAfter(milliseconds: u32): void {
    this.wakes.push(milliseconds);
  }
  grpcCall(upstream: Uint8Array, service: string, method: string, message: Uint8Array, timeoutMilliseconds: u32): u32 {
    return 0;
  }
  get upstream(): UpstreamChoice | null {
    return this.choice;
  }
  drainConnection(reason: string): void {
    this.manager!.drain(reason);
  }
  countRouteMismatch(): void {
    this.port.count(Stat.RouteMismatch, 1);
  }
}
