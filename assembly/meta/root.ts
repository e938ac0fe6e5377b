// The plugin's root context: reads the configuration (refusing it whole, with every problem named,
// as Envoy refuses an invalid typed config), defines the metrics, makes one MetaProtocolConnection
// per TCP connection, runs route discovery, and drives the filters' wake-ups, discovery's
// reconnections and, with stats_flush_interval, the stats flush from its one tick.
import { RootContext, NetworkContext } from "../abi/context";
import { currentTimeNanoseconds, getBufferBytes, getStatus, setEffectiveContext, setTickPeriod } from "../abi/host";
import { logError, logInfo } from "../abi/log";
import { BufferType, GrpcStatus } from "../abi/types";
import { recordsRequestDurations } from "../filters/metrics";
import { HostMetricSink, vmPendingCounters } from "../observability/metric-sink";
import { RouteDiscovery } from "../routing/route-discovery";
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
  private discovery: RouteDiscovery | null = null;

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
    let stats = this.stats;
    if (stats === null || stats.prefix != prefix) {
      // Counts still waiting for a tick belong to the old prefix: out with them, and the
      // connections that keep counting there flush per callback (this tick no longer sees them).
      if (stats !== null) {
        stats.flush();
        stats.flushOnTick = false;
      }
      this.stats = stats = new MetaStats(prefix, new HostMetricSink(), vmPendingCounters());
    }
    let metricsFilter = false;
    for (let i = 0; i < config.filters.length; i++) {
      if (recordsRequestDurations(config.filters[i].config)) metricsFilter = true;
    }
    const wasOnTick = stats.flushOnTick;
    stats.configure(config.statsFlushMillis > 0, metricsFilter);
    // Switching back to per-callback flushes: what waited goes now.
    if (wasOnTick && !stats.flushOnTick) stats.flush();
    logInfo("meta_protocol." + prefix + ": codec " + config.codec!.name + ", " + config.filters.length.toString() + " filter(s)");
    this.startDiscovery(config);
    this.scheduleTick();
    return true;
  }

  /** The plugin is going away: nothing counted may stay behind. */
  onDone(): bool {
    const stats = this.stats;
    if (stats !== null) stats.flush();
    return true;
  }

  /** A new configuration: the old stream ends, a new one asks for the new table (the last good one is gone with it). */
  private startDiscovery(config: MetaProtocolConfig): void {
    if (this.discovery !== null) this.discovery!.stop();
    this.discovery = null;
    const source = config.discovery;
    if (source === null) return;
    const discovery = new RouteDiscovery(this, source, config.routes, config.statPrefix);
    this.discovery = discovery;
    discovery.connect(currentTimeNanoseconds());
    this.scheduleTick();
  }

  onGrpcReceive(token: u32, size: usize): void {
    const discovery = this.discovery;
    if (discovery === null || !discovery.owns(token)) return;
    const bytes = getBufferBytes(BufferType.GrpcReceiveBuffer, 0, <u32>size);
    discovery.onMessage(bytes === null ? new Uint8Array(0) : Uint8Array.wrap(bytes));
  }

  onGrpcClose(token: u32, status: GrpcStatus): void {
    const discovery = this.discovery;
    if (discovery === null || !discovery.owns(token)) return;
    discovery.onClose(status, getStatus().message, currentTimeNanoseconds());
    this.scheduleTick();
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
    // A tick for the stats alone reads no clock: a VM without traffic makes no host call here.
    const discovery = this.discovery;
    const retryAt = discovery !== null ? discovery.retryAtNanos : 0;
    if (this.wakes.length > 0 || retryAt != 0) this.runDue();
    // Every tick flushes (wake-ups may tick more often than the interval: earlier, never later).
    const stats = this.stats;
    if (stats !== null && stats.flushOnTick) stats.flush();
    this.scheduleTick();
  }

  private runDue(): void {
    const now = currentTimeNanoseconds();
    const due: Wake[] = [];
    const later: Wake[] = [];
    for (let i = 0; i < this.wakes.length; i++) {
      const wake = this.wakes[i];
      if (wake.dueNanos <= now) due.push(wake);
      else later.push(wake);
    }
    this.wakes = later;
    // Acting on a connection from the root's tick needs it as the effective context; wake-ups
    // of one connection due together share one switch.
    let effective = this.id;
    for (let i = 0; i < due.length; i++) {
      const wake = due[i];
      if (!this.connections.has(wake.connectionId)) continue;
      if (effective != wake.connectionId) setEffectiveContext((effective = wake.connectionId));
      this.connections.get(wake.connectionId).wake(wake.filterIndex);
    }
    if (effective != this.id) setEffectiveContext(this.id);
    const discovery = this.discovery;
    if (discovery !== null && discovery.retryAtNanos != 0 && discovery.retryAtNanos <= now) discovery.connect(now);
  }

  /**
   * Ticks as often as the nearest wake-up or reconnection needs, at least every stats flush
   * interval when one is set, and not at all without any of them.
   */
  private scheduleTick(): void {
    const config = this.config;
    const flushMillis: u32 = config !== null ? config.statsFlushMillis : 0;
    let period: u32 = flushMillis;
    const discovery = this.discovery;
    const retryAt = discovery !== null ? discovery.retryAtNanos : 0;
    if (this.wakes.length > 0 || retryAt != 0) {
      const now = currentTimeNanoseconds();
      let nearest: u64 = U64.MAX_VALUE;
      for (let i = 0; i < this.wakes.length; i++) {
        const wait = this.wakes[i].dueNanos > now ? this.wakes[i].dueNanos - now : 0;
        if (wait < nearest) nearest = wait;
      }
      if (retryAt != 0) {
        const wait = retryAt > now ? retryAt - now : 0;
        if (wait < nearest) nearest = wait;
      }
      let wakeIn = <u32>min<u64>(nearest / 1_000_000, U32.MAX_VALUE);
      if (wakeIn == 0) wakeIn = 1;
      if (period == 0 || wakeIn < period) period = wakeIn;
    }
    if (period != this.tickMillis) {
      this.tickMillis = period;
      setTickPeriod(period);
    }
  }
}
