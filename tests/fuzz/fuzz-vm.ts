// The product module loaded into one VM of the local host for fuzzing, without sockets: its
// connections are SimConnections, its metrics are read from the host's stats store, and what
// it logs at warning and above is kept (the last lines, for a failure report). A trap fails the
// VM for good, as in Envoy; `ensureAlive` loads a fresh one so that the next case (and
// fast-check's shrinking) starts from a live VM again.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { StatsStore } from "../../host/stats.ts";
import { SharedData } from "../../host/wasm/shared-data.ts";
import { WasmPlugin } from "../../host/wasm/plugin.ts";
import { LogLevel } from "../../host/wasm/types.ts";
import { SimConnection } from "./sim-connection.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const PRODUCT_MODULE = path.join(root, "build/meta_protocol.wasm");
const STAT_PREFIX = "fuzz";
/** Small enough that generated length claims above it are cheap to build. */
export const MAX_FRAME_SIZE = 64 * 1024;
const KEPT_LOG_LINES = 20;

export interface FuzzVmOptions {
  codec: string;
  /**
   * With a router (one default route), the module pauses on_new_connection and lets tcp_proxy
   * connect only after the first request: the fake-read-event path. Without, bytes pass at once.
   */
  routed: boolean;
  /** The module's bytes; build/meta_protocol.wasm when absent. */
  code?: Uint8Array;
}

export class FuzzVm {
  private plugin!: WasmPlugin;
  private stats!: StatsStore;
  private nextConnectionId = 1;
  /** Lines at Critical (a trap): must stay empty. */
  readonly critical: string[] = [];
  readonly recentLog: string[] = [];
  /** VMs loaded after a trap, over this object's life. */
  reloads = 0;

  constructor(readonly options: FuzzVmOptions) {
    this.load();
  }

  private load(): void {
    const code = this.options.code ?? readFileSync(PRODUCT_MODULE);
    const configuration: Record<string, unknown> = { statPrefix: STAT_PREFIX, codec: { name: this.options.codec }, maxFrameSize: MAX_FRAME_SIZE };
    if (this.options.routed) {
      configuration.metaProtocolFilters = [{ name: "router", config: { routes: [{ name: "all", route: { cluster: "upstream" } }] } }];
    }
    this.stats = new StatsStore();
    this.plugin = WasmPlugin.load(
      {
        name: "fuzz", rootId: "fuzz", vmId: "fuzz", code, failOpen: false,
        vmConfiguration: new Uint8Array(0), pluginConfiguration: Buffer.from(JSON.stringify(configuration)),
      },
      {
        stats: this.stats,
        logLevel: LogLevel.Warn,
        log: (level, message) => this.log(level, message),
        sharedData: new SharedData(),
        cluster: () => undefined,
      },
    );
  }

  private log(level: LogLevel, message: string): void {
    if (level >= LogLevel.Critical) this.critical.push(message);
    if (level < LogLevel.Warn) return;
    this.recentLog.push(message);
    if (this.recentLog.length > KEPT_LOG_LINES) this.recentLog.shift();
  }

  get failed(): boolean {
    return this.plugin.failed;
  }

  /** A fresh VM if the last one trapped; forgets the trap's log lines. */
  ensureAlive(): void {
    if (!this.plugin.failed && this.critical.length === 0) return;
    this.plugin.close();
    this.critical.length = 0;
    this.reloads++;
    this.load();
  }

  connect(): SimConnection {
    const filter = this.plugin.createFilter();
    if (!filter) throw new Error("the plugin gave no filter (failed VM, fail open)");
    return new SimConnection(filter, this.nextConnectionId++);
  }

  counter(name: string): number {
    return this.stats.counter(`wasmcustom.meta_protocol.${STAT_PREFIX}.${name}`);
  }

  gauge(name: string): number {
    return this.stats.gauge(`wasmcustom.meta_protocol.${STAT_PREFIX}.${name}`);
  }

  /** Pages of linear memory: a leak shows as growth over a long campaign. */
  get memoryPages(): number {
    return this.plugin.vm.memory.buffer.byteLength / 65536;
  }

  close(): void {
    this.plugin.close();
  }
}
