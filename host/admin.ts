// Envoy's admin endpoints that the demo and tests read: /stats (text), /stats/prometheus,
// /clusters, /ready.
import http from "node:http";
import type { Cluster } from "./network/cluster.ts";
import type { StatsStore } from "./stats.ts";
import { CUSTOM_STAT_NAMESPACE } from "./wasm/metrics.ts";

function statsText(stats: StatsStore): string {
  const lines: string[] = [];
  for (const [name, v] of stats.counters) lines.push(`${name}: ${v}`);
  for (const [name, v] of stats.gauges) lines.push(`${name}: ${v}`);
  for (const [name, h] of stats.histograms) lines.push(`${name}: ${h.summary()}`);
  return lines.sort().join("\n") + "\n";
}

/** Envoy's Prometheus names: `envoy_` + name with non-alphanumerics as `_`; custom wasm metrics lose their namespace and prefix. */
export function prometheusName(name: string): string {
  const custom = name.startsWith(CUSTOM_STAT_NAMESPACE + ".");
  const base = (custom ? name.slice(CUSTOM_STAT_NAMESPACE.length + 1) : name).replace(/[^a-zA-Z0-9_]/g, "_");
  return custom ? base : `envoy_${base}`;
}

function statsPrometheus(stats: StatsStore): string {
  const out: string[] = [];
  const emit = (type: string, name: string, body: string[]) => out.push(`# TYPE ${prometheusName(name)} ${type}`, ...body);
  for (const [name, v] of [...stats.counters].sort()) emit("counter", name, [`${prometheusName(name)}{} ${v}`]);
  for (const [name, v] of [...stats.gauges].sort()) emit("gauge", name, [`${prometheusName(name)}{} ${v}`]);
  for (const [name, h] of [...stats.histograms].sort()) {
    const n = prometheusName(name);
    emit("histogram", name, [...h.buckets().map(([le, c]) => `${n}_bucket{le="${le}"} ${c}`), `${n}_bucket{le="+Inf"} ${h.count}`, `${n}_sum{} ${h.sum}`, `${n}_count{} ${h.count}`]);
  }
  return out.join("\n") + "\n";
}

function clustersText(clusters: Map<string, Cluster>): string {
  const lines: string[] = [];
  for (const c of clusters.values()) {
    for (const ep of c.config.endpoints) lines.push(`${c.config.name}::${ep.host}:${ep.port}::health_flags::healthy`);
  }
  return lines.join("\n") + "\n";
}

export function startAdmin(host: string, port: number, stats: StatsStore, clusters: Map<string, Cluster>): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const reply = (body: string, type = "text/plain; charset=UTF-8") => res.writeHead(200, { "content-type": type }).end(body);
    if (path === "/stats") return reply(statsText(stats));
    if (path === "/stats/prometheus") return reply(statsPrometheus(stats), "text/plain; version=0.0.4");
    if (path === "/clusters") return reply(clustersText(clusters));
    if (path === "/ready") return reply("LIVE\n");
    res.writeHead(404).end("invalid path\n");
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}
