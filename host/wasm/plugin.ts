// A plugin loaded into one worker's VM, and the network filter it gives each connection: the
// callback order, context ids and failure handling of Envoy's network wasm filter
// (source/extensions/filters/network/wasm/wasm_filter.h, common/wasm/context.cc) over
// proxy-wasm-cpp-host's ContextBase.
import type { ByteBuffer } from "../network/buffer.ts";
import {
  ConnectionEvent,
  FilterStatus,
  type ConnectionCallbacks,
  type FilterCallbacks,
  type ReadFilter,
  type ReadFilterCallbacks,
  type WriteFilter,
} from "../network/filter.ts";
import { createImports } from "./abi.ts";
import { checkModule, PluginLoadError } from "./module-check.ts";
import { PeerType } from "./types.ts";
import { Vm, type HostServices, type PluginSpec } from "./vm.ts";

export { PluginLoadError };
export type { HostServices, PluginSpec };

export class WasmPlugin {
  private tick: NodeJS.Timeout | null = null;

  private constructor(readonly vm: Vm) {
    vm.setTickPeriod = (ms) => this.setTickPeriod(ms);
  }

  /** Loads, starts and configures the plugin as Envoy does; throws PluginLoadError where Envoy refuses it. */
  static load(spec: PluginSpec, services: HostServices): WasmPlugin {
    let module: WebAssembly.Module;
    try {
      module = new WebAssembly.Module(spec.code as Uint8Array<ArrayBuffer>);
    } catch (e) {
      throw new PluginLoadError(`Failed to load Wasm code: ${(e as Error).message}`);
    }
    checkModule(spec.code, module);
    const vm = new Vm(spec, services, module, createImports);
    const plugin = new WasmPlugin(vm);
    const start = vm.has("_initialize") ? "_initialize" : vm.has("_start") ? "_start" : undefined;
    if (start) vm.callRaw(start);
    if (start && vm.has("main") && start === "_initialize") vm.callRaw("main", 0, 0);
    if (vm.failed) throw new PluginLoadError(`Failed to start base Wasm in VM ${spec.vmId}`);
    const root = vm.rootContextId;
    vm.call("proxy_on_context_create", root, 0);
    const started = vm.call("proxy_on_vm_start", root, spec.vmConfiguration.length);
    if (vm.failed || started === 0) throw new PluginLoadError(`Failed to start base Wasm in VM ${spec.vmId}`);
    vm.pluginConfiguration = spec.pluginConfiguration;
    const configured = vm.call("proxy_on_configure", root, spec.pluginConfiguration.length);
    vm.pluginConfiguration = null;
    if (vm.failed || configured === 0) {
      plugin.close();
      throw new PluginLoadError(`Wasm VM failed to initialize Wasm code: plugin ${spec.name} rejected its configuration`);
    }
    return plugin;
  }

  /** The filter for a new connection; null when the VM failed and the plugin fails open (Envoy skips it). */
  createFilter(): WasmNetworkFilter | null {
    if (this.vm.failed && this.vm.spec.failOpen) return null;
    return new WasmNetworkFilter(this.vm);
  }

  get failed(): boolean {
    return this.vm.failed;
  }

  close(): void {
    this.setTickPeriod(0);
    this.vm.callouts?.shutdown();
  }

  private setTickPeriod(ms: number): void {
    this.vm.tickPeriodMs = ms;
    if (this.tick) clearInterval(this.tick);
    this.tick = null;
    if (ms > 0) {
      this.tick = setInterval(() => this.vm.call("proxy_on_tick", this.vm.rootContextId), ms);
      this.tick.unref();
    }
  }
}

/**
 * Envoy's Context as a network filter: a read and a write filter (added with addFilter) that also
 * listens to the connection's events (Context::initializeReadFilterCallbacks).
 */
export class WasmNetworkFilter implements ReadFilter, WriteFilter, ConnectionCallbacks {
  private readonly id: number;
  private callbacks!: FilterCallbacks;
  private created = false;
  private streamFailed = false;
  private finished = false;

  /** `vm` is readable for tests that check what a connection left in its VM (tests/faults). */
  constructor(readonly vm: Vm) {
    this.id = vm.newContextId();
  }

  /** Context::initializeReadFilterCallbacks: keeps the callbacks and registers for connection events. */
  initializeReadFilterCallbacks(callbacks: ReadFilterCallbacks): void {
    const conn = callbacks.connection;
    this.callbacks = {
      connectionId: conn.id,
      remoteAddress: conn.remoteAddress,
      localAddress: conn.localAddress,
      upstreamAddress: () => callbacks.upstreamHost(),
      filterState: conn.filterState,
      continueReading: () => callbacks.continueReading(),
      closeConnection: () => conn.close(),
    };
    conn.addConnectionCallbacks(this);
  }

  onNewConnection(): FilterStatus {
    if (!this.vm.failed) {
      this.vm.connections.set(this.id, { callbacks: this.callbacks, downstream: null, upstream: null });
      this.vm.call("proxy_on_context_create", this.id, this.vm.rootContextId);
      this.created = !this.vm.failed;
    }
    return this.result("proxy_on_new_connection");
  }

  /**
   * Context::onData (source/extensions/common/wasm/context.cc): the read buffer stays reachable for
   * this context after StopIteration, for a later callback (tick, gRPC answer) acting through
   * proxy_set_effective_context; only Continue clears it. The next onData sets it again.
   */
  onData(data: ByteBuffer, endStream: boolean): FilterStatus {
    const ctx = this.vm.connections.get(this.id);
    if (ctx) ctx.downstream = data;
    const status = this.result("proxy_on_downstream_data", data.length, endStream ? 1 : 0);
    if (ctx && status === FilterStatus.Continue) ctx.downstream = null;
    return status;
  }

  onWrite(data: ByteBuffer, endStream: boolean): FilterStatus {
    const ctx = this.vm.connections.get(this.id);
    if (ctx) ctx.upstream = data;
    const status = this.result("proxy_on_upstream_data", data.length, endStream ? 1 : 0);
    if (ctx) ctx.upstream = null;
    // Envoy reports the upstream close on end_stream, not on an upstream connection event.
    if (endStream && this.created) this.vm.call("proxy_on_upstream_connection_close", this.id, PeerType.Unknown);
    return status;
  }

  /** Context::onEvent: the downstream closed; then Context::onCloseTCP ends the context (done, log, delete). */
  onEvent(event: ConnectionEvent): void {
    const ctx = this.vm.connections.get(this.id);
    if (ctx) ctx.downstream = null;
    if (event === ConnectionEvent.Connected || this.finished) return;
    this.finished = true;
    if (this.created) {
      const peer = event === ConnectionEvent.RemoteClose ? PeerType.Remote : PeerType.Local;
      this.vm.call("proxy_on_downstream_connection_close", this.id, peer);
      this.vm.call("proxy_on_done", this.id);
      this.vm.call("proxy_on_log", this.id);
      this.vm.call("proxy_on_delete", this.id);
    }
    this.vm.connections.delete(this.id);
  }

  /**
   * Calls a network callback and maps the result, with proxy-wasm-cpp-host's CHECK_FAIL around it:
   * once the VM has failed, fail open passes bytes on, fail closed closes the connection once.
   */
  private result(name: string, ...args: number[]): FilterStatus {
    const r = this.created ? this.vm.call(name, this.id, ...args) : undefined;
    if (this.vm.failed) {
      if (this.vm.spec.failOpen) return FilterStatus.Continue;
      if (!this.streamFailed) {
        this.streamFailed = true;
        this.callbacks.closeConnection();
      }
      return FilterStatus.StopIteration;
    }
    return r === 0 || r === undefined ? FilterStatus.Continue : FilterStatus.StopIteration;
  }
}
