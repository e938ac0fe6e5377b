// The plugin's root context: reads the configuration (refusing it whole, with every problem named,
// as Envoy refuses an invalid typed config), defines the metrics, makes one MetaProtocolConnection
// per TCP connection, and drives the filters' wake-ups from its tick.
import { RootContext, NetworkContext } from "../abi/context";
import { currentTimeNanoseconds, getBufferBytes, setEffectiveContext, setTickPeriod } from "../abi/host";
import { logError, logInfo } from "../abi/log";
import { BufferType } from "../abi/types";
import { MetaProtocolConfig, parseConfig } from "./config";
import { MetaProtocolConnection } from "./connection";
import { MetaStats } from "./stats";

class Wake {
  constructor(public dueNanos: u64, public connectionId: u32, public filterIndex: i32) {}
}

export class MetaProtocolRoot extends RootContext {
  config: MetaProtocolConfig | null = null;
  stats: MetaStats | null = null;
  private connections: Map<u32, MetaProtocolConnection> = new Map<u32, MetaProtocolConnection>();
  private wakes: Wake[] = [];
  private tickMillis: u32 = 0;

  onConfigure(pluginConfigurationSize: usize): bool {
    const bytes = getBufferBytes(BufferType.PluginConfiguration, 0, <u32>pluginConfigurationSize);
    const text = bytes === null ? "" : String.UTF8.decode(bytes);
    const result = parseConfig(text);
    const config = result.config;
    if (config === null) {
      logError("meta_protocol: configuration rejected: " + result.errors.toString());
      return false;
    }
    this.config = config;
    const prefix = config.statPrefix;
    const stats = this.stats;
    if (stats === null || stats.prefix != prefix) this.stats = new MetaStats(prefix);
    logInfo("meta_protocol." + prefix + ": codec " + config.codec!.name + ", " + config.filters.length.toString() + " filter(s)");
    return true;
  }

  newConnection(contextId: u32): NetworkContext {
    const connection = new MetaProtocolConnection(contextId, this);
    this.connections.set(contextId, connection);
    return connection;
  }

  forgetConnection(contextId: u32): void {
    this.connections.delete(contextId);
  }

  wakeAfter(connectionId: u32, filterIndex: i32, milliseconds: u32): void {
    this.wakes.push(new Wake(currentTimeNanoseconds() + <u64>milliseconds * 1_000_000, connectionId, filterIndex));
    this.scheduleTick();
  }

  onTick(): void {
    const now = currentTimeNanoseconds();
    const due: Wake[] = [];
    const later: Wake[] = [];
    for (let i = 0; i < this.wakes.length; i++) {
      const wake = this.wakes[i];
      if (wake.dueNanos <= now) due.push(wake);
      else later.push(wake);
    }
    this.wakes = later;
    for (let i = 0; i < due.length; i++) {
      const wake = due[i];
      if (!this.connections.has(wake.connectionId)) continue;
      // Acting on a connection from the root's tick needs it as the effective context.
      setEffectiveContext(wake.connectionId);
      this.connections.get(wake.connectionId).wake(wake.filterIndex);
    }
    setEffectiveContext(this.id);
    this.scheduleTick();
  }

  /** Ticks as often as the nearest wake-up needs, and not at all without one. */
  private scheduleTick(): void {
    let period: u32 = 0;
    if (this.wakes.length > 0) {
      const now = currentTimeNanoseconds();
      let nearest: u64 = U64.MAX_VALUE;
      for (let i = 0; i < this.wakes.length; i++) {
        const wait = this.wakes[i].dueNanos > now ? this.wakes[i].dueNanos - now : 0;
        if (wait < nearest) nearest = wait;
      }
      period = <u32>(nearest / 1_000_000);
      if (period == 0) period = 1;
    }
    if (period != this.tickMillis) {
      this.tickMillis = period;
      setTickPeriod(period);
    }
  }
}
