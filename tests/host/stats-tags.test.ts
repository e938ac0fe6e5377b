// Envoy's stats tag extraction (bootstrap stats_config) and the Prometheus text it produces, rule by
// rule; each test names the Envoy file and function whose behaviour it checks.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { createTagProducer, extractRegexPrefix, TagProducer, type StatsConfig } from "../../host/stats-tags.ts";
import { StatsStore } from "../../host/stats.ts";
import { startAdmin, statsPrometheus } from "../../host/admin.ts";
import { readBootstrap, BootstrapError } from "../../host/config/bootstrap.ts";

function producer(config: StatsConfig): TagProducer {
  const p = createTagProducer(config);
  if (!(p instanceof TagProducer)) throw new Error(`${p.field}: ${p.message}`);
  return p;
}
const only = (statsTags: StatsConfig["statsTags"]) => producer({ useAllDefaultTags: false, statsTags });
const STAT = "wasmcustom.meta_protocol.redis.request";

// tag_extractor_impl.cc TagExtractorStdRegexImpl::extractTag: group 1 is removed and is the value.
test("a regex with one capture group removes it and uses it as the value", () => {
  const t = only([{ tagName: "proto", regex: String.raw`^wasmcustom\.meta_protocol\.(redis\.)` }]).produceTags(STAT);
  assert.deepEqual(t, { extractedName: "wasmcustom.meta_protocol.request", tags: [{ name: "proto", value: "redis." }] });
});

// tag_extractor_impl.cc TagExtractorStdRegexImpl::extractTag: group 1 is removed, group 2 is the value.
test("a regex with two capture groups takes the value from the second", () => {
  const t = only([{ tagName: "proto", regex: String.raw`^wasmcustom\.meta_protocol\.((.+?)\.)` }]).produceTags(STAT);
  assert.deepEqual(t, { extractedName: "wasmcustom.meta_protocol.request", tags: [{ name: "proto", value: "redis" }] });
});

// tag_extractor_impl.cc TagExtractorImplBase::extractRegexPrefix: which anchored regexes get a first-token key.
test("an anchored regex is keyed by its leading word only when a dot or the end follows", () => {
  assert.equal(extractRegexPrefix(String.raw`^cluster\.((.+?)\.)`), "cluster");
  assert.equal(extractRegexPrefix(String.raw`^cluster(?=\.).*`), "cluster");
  assert.equal(extractRegexPrefix("^cluster$"), "cluster");
  assert.equal(extractRegexPrefix("^cluster_(x)"), "");
  assert.equal(extractRegexPrefix(String.raw`^(cluster)\.`), "");
  assert.equal(extractRegexPrefix(String.raw`cluster\.(x)`), "");
});

// tag_producer_impl.cc TagProducerImpl::forEachExtractorMatching: keyed extractors run after the
// unkeyed ones whatever the configured order, and only on names whose first token is their key.
test("an anchored regex runs after unanchored ones, only on names with its first token", () => {
  const p = only([
    { tagName: "proto", regex: String.raw`^wasmcustom\.meta_protocol\.((.+?)\.)` },
    { tagName: "kind", regex: String.raw`(\.(request))$` },
  ]);
  // "redis." and ".request" overlap on one dot; the union of both spans goes.
  assert.deepEqual(p.produceTags(STAT), {
    extractedName: "wasmcustom.meta_protocol.",
    tags: [{ name: "kind", value: "request" }, { name: "proto", value: "redis" }],
  });
  // The same regex without `^` would match here; anchored on "wasmcustom", it does not run.
  assert.deepEqual(p.produceTags("x.wasmcustom.meta_protocol.redis.y"), { extractedName: "x.wasmcustom.meta_protocol.redis.y", tags: [] });
});

// tag_extractor_impl.cc TagExtractorFixedImpl::extractTag: the tag is added, the name is kept.
test("a fixed_value tag is added to every name without changing it", () => {
  const p = only([{ tagName: "mesh", fixedValue: "blue" }]);
  assert.deepEqual(p.produceTags(STAT), { extractedName: STAT, tags: [{ name: "mesh", value: "blue" }] });
  assert.deepEqual(p.produceTags("plain"), { extractedName: "plain", tags: [{ name: "mesh", value: "blue" }] });
});

// tag_producer_impl.cc TagProducerImpl::produceTags: every extractor sees the original name, tags
// come in configured order, and the removed spans are cut out together (overlaps merged).
test("two tags on one name apply in order and both spans are removed", () => {
  const p = only([
    { tagName: "proto", regex: String.raw`meta_protocol\.((\w+)\.)` },
    { tagName: "prefix_and_proto", regex: String.raw`((meta_protocol\.\w+)\.)` },
  ]);
  assert.deepEqual(p.produceTags(STAT), {
    extractedName: "wasmcustom.request",
    tags: [{ name: "proto", value: "redis" }, { name: "prefix_and_proto", value: "meta_protocol.redis" }],
  });
});

// tag_producer_impl.cc TagProducerImpl::produceTags (dup_set): of extractors sharing a tag name, the first match wins.
test("of two specifiers with one tag name only the first match is kept", () => {
  const p = only([
    { tagName: "proto", regex: String.raw`\.(redis)\.` },
    { tagName: "proto", regex: String.raw`\.(request)$` },
  ]);
  assert.deepEqual(p.produceTags(STAT), { extractedName: "wasmcustom.meta_protocol..request", tags: [{ name: "proto", value: "redis" }] });
  assert.deepEqual(p.produceTags("a.b.request"), { extractedName: "a.b.", tags: [{ name: "proto", value: "request" }] });
});

// tag_extractor_impl.cc TagExtractorStdRegexImpl::extractTag: no match, no tag.
test("a name no regex matches keeps its name and has no tags", () => {
  const p = only([{ tagName: "proto", regex: String.raw`^wasmcustom\.dubbo\.((.+?)\.)` }]);
  assert.deepEqual(p.produceTags(STAT), { extractedName: STAT, tags: [] });
});

// tag_producer_impl.cc addDefaultExtractors and addExtractorsMatching; well_known_names.cc.
test("Envoy's default tags apply unless use_all_default_tags is false; a bare tag_name picks its default", () => {
  const defaults = producer({});
  assert.deepEqual(defaults.produceTags("tcp.ingress.downstream_cx_total"), { extractedName: "tcp.downstream_cx_total", tags: [{ name: "envoy.tcp_prefix", value: "ingress" }] });
  assert.deepEqual(defaults.produceTags("cluster.redis_server.upstream_cx_total"), { extractedName: "cluster.upstream_cx_total", tags: [{ name: "envoy.cluster_name", value: "redis_server" }] });
  assert.deepEqual(defaults.produceTags("listener.127.0.0.1_10000.downstream_cx_total").tags, [{ name: "envoy.listener_address", value: "127.0.0.1_10000" }]);
  assert.deepEqual(defaults.produceTags("listener.admin.downstream_cx_total").tags, [], "the listener address default never takes 'admin'");
  assert.deepEqual(only([]).produceTags("tcp.ingress.downstream_cx_total").tags, []);
  assert.deepEqual(only([{ tagName: "envoy.cluster_name" }]).produceTags("cluster.c1.upstream_cx_total").tags, [{ name: "envoy.cluster_name", value: "c1" }]);
  assert.deepEqual(createTagProducer({ statsTags: [{ tagName: "nope" }] }), { field: "stats_tags[0]", message: "No regex specified for tag specifier and no default regex for name: 'nope'" });
  assert.deepEqual(createTagProducer({ statsTags: [{ tagName: "", regex: "(x)" }] }), { field: "stats_tags[0].tag_name", message: "tag_name cannot be empty" });
});

function taggedStore(): StatsStore {
  const stats = new StatsStore(only([
    { tagName: "proto", regex: String.raw`^wasmcustom\.meta_protocol\.((.+?)\.)` },
    { tagName: "note", fixedValue: 'say "hi"\\now\n' },
  ]));
  stats.inc("wasmcustom.meta_protocol.redis.request", 7);
  stats.inc("wasmcustom.meta_protocol.dubbo.request", 2);
  stats.setGauge("wasmcustom.meta_protocol.redis.request_active", 3);
  const h = stats.histogram("wasmcustom.meta_protocol.redis.request_time_ms");
  h.record(3);
  h.record(700);
  return stats;
}

// prometheus_stats.cc: metricName (wasmcustom dropped, no envoy_ prefix), formattedTags and
// sanitizeValue (labels in extraction order, escaped), counters without _total, one # TYPE per
// family, members sorted by full name, generateHistogram (le after the tags, {:.32g} bounds).
test("Prometheus text for a labelled counter, gauge and histogram", () => {
  // The fixed tag has no first-token key, so it is extracted (and listed) before the anchored one.
  const note = String.raw`note="say \"hi\"\\now\n"`;
  // Envoy's default buckets (stats.proto HistogramSettings), each with how many of {3, 700} are <= it.
  const bounds = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];
  const buckets = bounds.map((b) => `meta_protocol_request_time_ms_bucket{${note},proto="redis",le="${b}"} ${(3 <= b ? 1 : 0) + (700 <= b ? 1 : 0)}`);
  assert.equal(
    statsPrometheus(taggedStore()),
    [
      "# TYPE meta_protocol_request counter",
      `meta_protocol_request{${note},proto="dubbo"} 2`,
      `meta_protocol_request{${note},proto="redis"} 7`,
      "# TYPE meta_protocol_request_active gauge",
      `meta_protocol_request_active{${note},proto="redis"} 3`,
      "# TYPE meta_protocol_request_time_ms histogram",
      ...buckets,
      `meta_protocol_request_time_ms_bucket{${note},proto="redis",le="+Inf"} 2`,
      `meta_protocol_request_time_ms_sum{${note},proto="redis"} 703`,
      `meta_protocol_request_time_ms_count{${note},proto="redis"} 2`,
    ].join("\n") + "\n",
  );
});

// prometheus_stats.cc metricName and outputStatType; symbol_table.cc SymbolTableImpl::lessThan.
test("Prometheus names: envoy_ prefix outside wasmcustom, empty tags, token-wise family order, digit names hidden", () => {
  const stats = new StatsStore(only([]));
  stats.inc("wasmcustom.x-z", 1);
  stats.inc("wasmcustom.x.y", 1);
  stats.inc("wasmcustom.9lives", 1);
  stats.inc("tcp.ingress.downstream_cx_total", 4);
  const text = statsPrometheus(stats);
  assert.equal(
    text,
    ["# TYPE envoy_tcp_ingress_downstream_cx_total counter", "envoy_tcp_ingress_downstream_cx_total{} 4", "# TYPE x_y counter", "x_y{} 1", "# TYPE x_z counter", "x_z{} 1"].join("\n") + "\n",
  );
  const h = new StatsStore(only([]));
  h.histogram("wasmcustom.t").record(1);
  assert.match(statsPrometheus(h), /^t_bucket\{le="0\.5"\} 0\nt_bucket\{le="1"\} 1\n/m);
  assert.match(statsPrometheus(h), /^t_sum\{\} 1\nt_count\{\} 1$/m);
});

// bootstrap.proto stats_config -> stats.proto StatsConfig, and the admin endpoint serving it.
test("a bootstrap's stats_config drives /stats/prometheus", async () => {
  const b = readBootstrap({
    static_resources: {},
    stats_config: { use_all_default_tags: false, stats_tags: [{ tag_name: "proto", regex: String.raw`^wasmcustom\.meta_protocol\.((.+?)\.)` }] },
  });
  const stats = new StatsStore(b.tagProducer);
  stats.inc("wasmcustom.meta_protocol.redis.request", 5);
  stats.inc("tcp.ingress.downstream_cx_total", 1);
  const server = await startAdmin("127.0.0.1", 0, stats, new Map());
  try {
    const text = await (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/stats/prometheus`)).text();
    assert.match(text, /^meta_protocol_request\{proto="redis"\} 5$/m);
    assert.match(text, /^envoy_tcp_ingress_downstream_cx_total\{\} 1$/m);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
  assert.deepEqual(readBootstrap({ static_resources: {} }).tagProducer.produceTags("tcp.ingress.x").tags, [{ name: "envoy.tcp_prefix", value: "ingress" }]);
});

// The host's rule (bootstrap.ts): what it does not implement is refused, naming the field; what
// Envoy refuses in stats_config is refused with Envoy's reason.
test("stats_config fields the host does not implement, and configurations Envoy refuses, stop startup", () => {
  const refuses = (stats_config: object, message: string) =>
    assert.throws(() => readBootstrap({ static_resources: {}, stats_config }), (e: Error) => e instanceof BootstrapError && e.message === message);
  refuses({ stats_matcher: { reject_all: true } }, "stats_config.stats_matcher: not supported by the local host");
  refuses({ histogram_bucket_settings: [] }, "stats_config.histogram_bucket_settings: not supported by the local host");
  refuses({ stats_tags: [{ tag_name: "a", regex: "(x)", extra: 1 }] }, "stats_config.stats_tags[0].extra: not supported by the local host");
  refuses({ stats_tags: [{ tag_name: "a", regex: "(x)", fixed_value: "y" }] }, "stats_config.stats_tags[0]: regex and fixed_value are both set, but they are the oneof tag_value");
  refuses({ stats_tags: [{ tag_name: "a", regex: "(x" }] }, "stats_config.stats_tags[0].regex: Invalid regex '(x': Invalid regular expression: /(x/d: Unterminated group");
  refuses({ stats_tags: [{ tag_name: "a", regex: "([[:digit:]]+)" }] }, "stats_config.stats_tags[0].regex: Invalid regex '([[:digit:]]+)': POSIX character classes such as [:digit:] are not supported by the local host");
  refuses({ stats_tags: [{ tag_name: "a", regex: "(x)" + "y".repeat(1022) }] }, "stats_config.stats_tags[0].regex: longer than 1024 bytes");
  refuses({ stats_tags: [{ tag_name: "unknown" }] }, "stats_config.stats_tags[0]: No regex specified for tag specifier and no default regex for name: 'unknown'");
  refuses({ use_all_default_tags: "no" }, "stats_config.use_all_default_tags: expected a boolean");
});
