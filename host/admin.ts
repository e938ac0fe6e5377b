// Envoy's admin endpoints that the demo and tests read: /stats (text), /stats/prometheus,
// /clusters, /ready.
import http from "node:http";
import type { Cluster } from "./network/cluster.ts";
import type { Histogram, StatsStore } from "./stats.ts";
import type { Tag } from "./stats-tags.ts";
import { CUSTOM_STAT_NAMESPACE } from "./wasm/metrics.ts";

function statsText(stats: StatsStore): string {
  const lines: string[] = [];
  for (const [name, v] of stats.counters) lines.push(`${name}: ${v}`);
  for (const [name, v] of stats.gauges) lines.push(`${name}: ${v}`);
  for (const [name, h] of stats.histograms) lines.push(`${name}: ${h.summary()}`);
  return lines.sort().join("\n") + "\n";
}

// --- /stats/prometheus, as envoy source/server/admin/prometheus_stats.cc renders it ---

/** sanitizeName: every character outside [a-zA-Z0-9_] becomes `_`. */
const sanitizeName = (name: string) => name.replace(/[^a-zA-Z0-9_]/g, "_");

/** sanitizeValue: a label value escapes `\`, newline and `"` as the Prometheus text format does. */
const sanitizeValue = (value: string) => value.replace(/[\\\n"]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));

/**
 * PrometheusStatsFormatter::metricName: `envoy_` + the sanitized tag-extracted name, except under a
 * custom stat namespace (wasmcustom), which is dropped with no prefix; such a name that would be
 * empty or start with a digit is not shown.
 */
export function prometheusMetricName(extractedName: string): string | undefined {
  const dot = extractedName.indexOf(".");
  if (dot >= 0 && extractedName.slice(0, dot) === CUSTOM_STAT_NAMESPACE) {
    const name = sanitizeName(extractedName.slice(dot + 1));
    return name === "" || /^[0-9]/.test(name) ? undefined : name;
  }
  return `envoy_${sanitizeName(extractedName)}`;
}

/** PrometheusStatsFormatter::formattedTags: labels in extraction order, not sorted. */
const formattedTags = (tags: Tag[]) => tags.map((t) => `${sanitizeName(t.name)}="${sanitizeValue(t.value)}"`).join(",");

/** SymbolTableImpl::lessThan: names compare token by token ('.'-separated), a prefix first. */
function statNameCompare(a: string, b: string): number {
  const at = a.split(".");
  const bt = b.split(".");
  for (let i = 0; i < Math.min(at.length, bt.length); i++) if (at[i] !== bt[i]) return at[i] < bt[i] ? -1 : 1;
  return at.length - bt.length;
}

/** fmt's `{:.32g}`: 32 significant digits, trailing zeros dropped, exponent form outside [1e-4, 1e32). */
function formatG32(x: number): string {
  if (x === 0) return "0";
  const [mantissa, exp] = x.toExponential(31).split("e");
  const e = Number(exp);
  const trim = (s: string) => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);
  if (e < -4 || e >= 32) return `${trim(mantissa)}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  return trim(x.toFixed(31 - e));
}

/**
 * outputStatType: one family per tag-extracted name (families in name order, members in full-name
 * order), a `# TYPE` line each, then its samples.
 */
function family<V>(out: string[], stats: StatsStore, metrics: Map<string, V>, type: string, sample: (name: string, tags: Tag[], v: V) => string[]): void {
  const groups = new Map<string, string[]>();
  for (const full of metrics.keys()) {
    const extracted = stats.tagged(full).extractedName;
    groups.set(extracted, [...(groups.get(extracted) ?? []), full]);
  }
  for (const extracted of [...groups.keys()].sort(statNameCompare)) {
    const name = prometheusMetricName(extracted);
    if (name === undefined) continue;
    out.push(`# TYPE ${name} ${type}`);
    for (const full of groups.get(extracted)!.sort(statNameCompare)) out.push(...sample(name, stats.tagged(full).tags, metrics.get(full)!));
  }
}

/** generateHistogram: cumulative `_bucket`s with `le` after the tags, then `_sum` and `_count`. */
function histogramSamples(name: string, tags: Tag[], h: Histogram): string[] {
  const t = formattedTags(tags);
  const bucketTags = tags.length === 0 ? "" : `${t},`;
  return [
    ...h.buckets().map(([le, c]) => `${name}_bucket{${bucketTags}le="${formatG32(le)}"} ${c}`),
    `${name}_bucket{${bucketTags}le="+Inf"} ${h.count}`,
    `${name}_sum{${t}} ${formatG32(h.sum)}`,
    `${name}_count{${t}} ${h.count}`,
  ];
}

export function statsPrometheus(stats: StatsStore): string {
  const out: string[] = [];
  const numeric = (name: string, tags: Tag[], v: number) => [`${name}{${formattedTags(tags)}} ${v}`];
  family(out, stats, stats.counters, "counter", numeric);
  family(out, stats, stats.gauges, "gauge", numeric);
  family(out, stats, stats.histograms, "histogram", histogramSamples);
  return out.length === 0 ? "" : out.join("\n") + "\n";
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
