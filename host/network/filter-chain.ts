// A listener's network filter chain as filter factories, after Envoy's Network::FilterFactoryCb and
// FilterChainUtility::buildFilterChain (source/server/configuration_impl.cc): each configured
// filter becomes a factory that adds its filter(s) to a new connection's filter manager, in the
// chain's order. `worker` picks the per-worker state a factory holds (each worker's wasm VM, as
// Envoy's thread-local plugin).
import type { StatsStore } from "../stats.ts";
import type { WasmPlugin } from "../wasm/plugin.ts";
import type { Cluster } from "./cluster.ts";
import type { FilterManager } from "./filter-manager.ts";
import { TcpProxy, type TcpProxyConfig } from "./tcp-proxy.ts";

export type NetworkFilterFactory = (manager: FilterManager, worker: number) => void;

/**
 * envoy.filters.network.wasm (source/extensions/filters/network/wasm/config.cc): addFilter, a
 * read and a write filter; a failed VM that fails open adds nothing (FilterConfig::createFilter).
 */
export function wasmFilterFactory(pluginPerWorker: WasmPlugin[]): NetworkFilterFactory {
  return (manager, worker) => {
    const filter = pluginPerWorker[worker].createFilter();
    if (filter) manager.addFilter(filter);
  };
}

/** envoy.filters.network.tcp_proxy (source/extensions/filters/network/tcp_proxy/config.cc): a read filter. */
export function tcpProxyFilterFactory(config: TcpProxyConfig, clusters: Map<string, Cluster>, stats: StatsStore): NetworkFilterFactory {
  return (manager) => manager.addReadFilter(new TcpProxy(config, clusters, stats));
}

/**
 * FilterChainUtility::buildFilterChain: every factory in order, then the chain starts
 * (initializeReadFilters); false when it has no read filter, and the listener closes the connection.
 */
export function buildFilterChain(manager: FilterManager, factories: NetworkFilterFactory[], worker: number): boolean {
  for (const factory of factories) factory(manager, worker);
  return manager.initializeReadFilters();
}
