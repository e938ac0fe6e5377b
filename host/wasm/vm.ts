// One instance of a module: its memory, the calls into it, the contexts it knows, and the state a
// host call may look at (which context is effective, which buffers exist during this callback).
// A trap marks the VM failed for good, as in proxy-wasm-cpp-host; later calls are not made.
import type { ByteBuffer } from "../network/buffer.ts";
import type { FilterCallbacks } from "../network/filter.ts";
import type { StatsStore } from "../stats.ts";
import type { GrpcCallouts } from "./grpc.ts";
import type { SharedData } from "./shared-data.ts";
import { LogLevel } from "./types.ts";

export interface PluginSpec {
  name: string;
  rootId: string;
  vmId: string;
  code: Uint8Array;
  vmConfiguration: Uint8Array;
  pluginConfiguration: Uint8Array;
  failOpen: boolean;
}

export interface GrpcTarget {
  host: string;
  port: number;
  http2: boolean;
}

export interface HostServices {
  stats: StatsStore;
  log(level: LogLevel, message: string): void;
  /** The lowest level proxy_log passes on (Envoy's -l); proxy_get_log_level answers it. */
  logLevel?: LogLevel;
  cluster(name: string): GrpcTarget | undefined;
  sharedData: SharedData;
  /** The bootstrap's node (Envoy's `node.id`, `node.cluster` properties); empty strings when unset. */
  node?: { id: string; cluster: string };
  /**
   * Opt-in measurement (bench/host-calls.ts): told after every host call, with the bytes copied
   * into the module by proxy_get_buffer_bytes (0 for the others). Unset, it costs one test per call.
   */
  onHostCall?: (name: string, bytesIn: number) => void;
}

/** What a connection context sees of its connection. */
export interface ConnectionContext {
  callbacks: FilterCallbacks;
  downstream: ByteBuffer | null; // from proxy_on_downstream_data until it returns Continue or the connection closes
  upstream: ByteBuffer | null; // only during proxy_on_upstream_data
}

export class Vm {
  readonly exports: Record<string, any>;
  failed = false;
  /** Context ids count up from 1 per VM: the root context is 1. */
  private nextContextId = 1;
  readonly rootContextId: number;
  readonly connections = new Map<number, ConnectionContext>();
  /** The context host calls act for: the one being called, or set by proxy_set_effective_context. */
  effectiveContextId = 0;
  /** Buffers that exist only during one callback (configuration, gRPC reply). */
  pluginConfiguration: Uint8Array | null = null;
  grpcReceiveBuffer: Uint8Array | null = null;
  grpcStatus: { code: number; message: string } = { code: 0, message: "" };
  /** Set by the imports: gRPC callouts of this VM. */
  callouts: GrpcCallouts | null = null;
  /** Set by the plugin: proxy_set_tick_period_milliseconds on the root context. */
  setTickPeriod: (ms: number) => void = () => {};
  /** The root context's tick period as last set (0: not ticking); read by tests, written only by the plugin. */
  tickPeriodMs = 0;
  private depth = 0;
  private deferred: Array<() => void> = [];

  constructor(
    readonly spec: PluginSpec,
    readonly services: HostServices,
    module: WebAssembly.Module,
    imports: (vm: Vm) => WebAssembly.Imports,
  ) {
    this.rootContextId = this.newContextId();
    this.exports = new WebAssembly.Instance(module, imports(this)).exports as Record<string, any>;
  }

  newContextId(): number {
    return this.nextContextId++;
  }

  get memory(): WebAssembly.Memory {
    return this.exports.memory as WebAssembly.Memory;
  }

  /** Runs `fn` after the outermost VM call returns (Envoy's DeferAfterCallActions). */
  defer(fn: () => void): void {
    this.deferred.push(fn);
  }

  has(name: string): boolean {
    return typeof this.exports[name] === "function";
  }

  /**
   * Calls an export for `contextId`. Returns its result, or undefined if the VM has failed, the
   * export is absent, or the call trapped (which fails the VM, as Envoy does).
   */
  call(name: string, contextId: number, ...args: Array<number | bigint>): number | undefined {
    if (this.failed) return undefined;
    const fn = this.exports[name];
    if (typeof fn !== "function") return undefined;
    const saved = this.effectiveContextId;
    this.effectiveContextId = contextId;
    this.depth++;
    try {
      const r = fn(contextId, ...args);
      return typeof r === "number" ? r : 0;
    } catch (e) {
      this.fail(`Function: ${name} failed: ${(e as Error).message}`);
      return undefined;
    } finally {
      this.depth--;
      this.effectiveContextId = saved;
      if (this.depth === 0) this.runDeferred();
    }
  }

  /** Calls a start function or the allocator: not bound to a context. */
  callRaw(name: string, ...args: number[]): number | undefined {
    if (this.failed) return undefined;
    try {
      return this.exports[name](...args);
    } catch (e) {
      this.fail(`Function: ${name} failed: ${(e as Error).message}`);
      return undefined;
    }
  }

  fail(message: string): void {
    if (this.failed) return;
    this.failed = true;
    this.services.log(LogLevel.Critical, `wasm log ${this.spec.name} ${this.spec.rootId} ${this.spec.vmId}: ${message}`);
  }

  private runDeferred(): void {
    while (this.deferred.length > 0) {
      const actions = this.deferred;
      this.deferred = [];
      for (const a of actions) a();
    }
  }
}
