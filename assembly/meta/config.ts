// The plugin configuration (PLUGIN_CONFIGURATION, a JSON string): Aeraki's MetaProtocolProxy in
// proto3 JSON (proto field names or lowerCamelCase), plus `maxFrameSize`:
//   {"stat_prefix": "dubbo", "application_protocol": "dubbo", "codec": {"name": "aeraki.meta_protocol.codec.dubbo"},
//    "max_frame_size": 8388608, "meta_protocol_filters": [{"name": "...", "config": {...}}],
//    "route_config": {...}, "rds": {"route_config_name": "...", "config_source": {...}}}
// `route_config` is the table routers start with and `rds` where updates come from (Aeraki takes
// one or the other; both together is ours: the initial routes while discovery connects).
// Every problem is reported with its field, and a configuration with any problem is refused as a
// whole (Envoy then rejects the plugin), like Envoy refuses an invalid typed config.
// `stats_flush_interval` (ours, a Duration such as "1s"): counters and gauges are sent from the
// root's tick at that interval and when a connection closes, instead of at the end of every callback.
import { CodecFactory } from "./codec";
import { ConfigErrors } from "./config-errors";
import { ConfigFields } from "./config-fields";
import { FilterConfig } from "./filter";
import { JsonKind, parseJson } from "./json";
import { AERAKI_CODEC_PREFIX, codecNames, filterNames, findCodec, findFilter } from "./registry";
import { RouteDiscoveryConfig, parseRouteDiscovery } from "../routing/route-discovery-config";
import { parseRouteConfiguration } from "../routing/route-config-json";
import { RouteSource, RouteTable } from "../routing/route-table";

export const DEFAULT_MAX_FRAME_SIZE: i32 = 8 * 1024 * 1024;
/** Frames are counted in i32 byte offsets; larger limits are refused. */
const MAX_MAX_FRAME_SIZE: i64 = 1073741824;

const KNOWN_FIELDS = ["statPrefix", "applicationProtocol", "codec", "maxFrameSize", "metaProtocolFilters", "routeConfig", "rds", "statsFlushInterval"];
/** The tick period is u32 milliseconds; a day is plenty for a stats flush. */
const MAX_STATS_FLUSH_MILLIS: i64 = 86400000;

export class ConfiguredFilter {
  constructor(public name: string, public config: FilterConfig) {}
}

export class MetaProtocolConfig {
  statPrefix: string = "";
  codec: CodecFactory | null = null;
  maxFrameSize: i32 = DEFAULT_MAX_FRAME_SIZE;
  /** In chain order. */
  filters: ConfiguredFilter[] = [];
  /** The plugin's route table, read by routers without routes of their own. */
  routes: RouteSource = new RouteSource();
  /** Where route updates come from, if anywhere. */
  discovery: RouteDiscoveryConfig | null = null;
  /** stats_flush_interval in milliseconds; 0 (absent) flushes the counters at the end of every callback. */
  statsFlushMillis: u32 = 0;

  /** Whether any filter chooses the upstream cluster (the connection then waits for the first request). */
  get needsUpstreamChoice(): bool {
    for (let i = 0; i < this.filters.length; i++) {
      if (this.filters[i].config.needsUpstreamChoice()) return true;
    }
    return false;
  }
}

export class ConfigResult {
  constructor(public config: MetaProtocolConfig | null, public errors: ConfigErrors) {}
}

export function parseConfig(text: string): ConfigResult {
  const errors = new ConfigErrors();
  const parsed = parseJson(text);
  const root = parsed.value;
  if (root === null) {
    errors.add("(configuration)", "not valid JSON: " + parsed.error);
    return new ConfigResult(null, errors);
  }
  if (root.kind != JsonKind.Object) {
    errors.add("(configuration)", "must be a JSON object");
    return new ConfigResult(null, errors);
  }
  // Unknown fields are reported; the known ones are still read, so that every problem is named at once.
  const fields = new ConfigFields(root, "", errors, KNOWN_FIELDS);
  const config = new MetaProtocolConfig();
  readCodec(fields, config, errors);
  const prefix = fields.string("statPrefix");
  if (prefix !== null) config.statPrefix = prefix;
  if (config.statPrefix.length == 0 && config.codec !== null) config.statPrefix = config.codec!.name;
  readMaxFrameSize(fields, config, errors);
  readStatsFlushInterval(fields, config, errors);
  readFilters(fields, config, errors);
  readRoutes(fields, config, errors);
  return new ConfigResult(errors.isEmpty ? config : null, errors);
}

function readCodec(fields: ConfigFields, config: MetaProtocolConfig, errors: ConfigErrors): void {
  const codec = fields.field("codec", JsonKind.Object, true);
  if (codec === null) return;
  const c = new ConfigFields(codec, "codec", errors, ["name"]);
  if (!c.valid) return;
  const name = c.string("name", true);
  if (name === null) return;
  config.codec = findCodec(name);
  if (config.codec === null) {
    errors.add("codec.name", "unknown codec '" + name + "' (known: " + codecNames().join(", ") + ")");
    return;
  }
  // Aeraki names the protocol twice: both must agree.
  const protocol = fields.string("applicationProtocol");
  if (protocol !== null && findCodec(protocol) !== config.codec) {
    errors.add("application_protocol", "'" + protocol + "' is not the protocol of codec '" + name + "' (" + AERAKI_CODEC_PREFIX + protocol + ")");
  }
}

function readMaxFrameSize(fields: ConfigFields, config: MetaProtocolConfig, errors: ConfigErrors): void {
  const value = fields.field("maxFrameSize", JsonKind.Number);
  if (value === null) return;
  if (!value.isInteger || value.number < 1 || value.number > <f64>MAX_MAX_FRAME_SIZE) {
    errors.add("maxFrameSize", "must be an integer from 1 to " + MAX_MAX_FRAME_SIZE.toString());
  } else {
    config.maxFrameSize = <i32>value.number;
  }
}

function readStatsFlushInterval(fields: ConfigFields, config: MetaProtocolConfig, errors: ConfigErrors): void {
  if (!fields.has("statsFlushInterval")) return;
  const before = errors.messages.length;
  const millis = fields.durationMillis("statsFlushInterval");
  if (errors.messages.length > before) return;
  if (millis < 1 || millis > MAX_STATS_FLUSH_MILLIS) {
    errors.add("statsFlushInterval", "must be from 1ms to 24h, got " + millis.toString() + "ms");
  } else {
    config.statsFlushMillis = <u32>millis;
  }
}

function readFilters(fields: ConfigFields, config: MetaProtocolConfig, errors: ConfigErrors): void {
  const filters = fields.field("metaProtocolFilters", JsonKind.Array);
  if (filters === null) return;
  for (let i = 0; i < filters.items.length; i++) {
    const at = "metaProtocolFilters[" + i.toString() + "]";
    const entry = new ConfigFields(filters.items[i], at, errors, ["name", "config"]);
    if (!entry.valid) continue;
    const name = entry.string("name", true);
    if (name === null) continue;
    const factory = findFilter(name);
    if (factory === null) {
      errors.add(at + ".name", "unknown filter '" + name + "' (known: " + filterNames().join(", ") + ")");
      continue;
    }
    const filterConfig = factory.configure(entry.field("config", JsonKind.Object), at + ".config", errors);
    if (filterConfig === null) continue;
    filterConfig.usePluginRoutes(config.routes);
    config.filters.push(new ConfiguredFilter(name, filterConfig));
  }
}

function readRoutes(fields: ConfigFields, config: MetaProtocolConfig, errors: ConfigErrors): void {
  const inline = fields.field("routeConfig", JsonKind.Object);
  if (inline !== null) {
    const spec = parseRouteConfiguration(inline, "route_config", errors);
    if (spec !== null) config.routes.current = RouteTable.compile(spec, "", "route_config", errors);
  }
  const rds = fields.field("rds", JsonKind.Object);
  if (rds !== null) config.discovery = parseRouteDiscovery(rds, "rds", errors);
}
