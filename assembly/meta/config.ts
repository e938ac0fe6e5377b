// The plugin configuration (PLUGIN_CONFIGURATION, a JSON string: camelCase of Aeraki's
// MetaProtocolProxy):
//   {"statPrefix": "dubbo", "codec": {"name": "aeraki.meta_protocol.codec.dubbo"},
//    "maxFrameSize": 8388608, "metaProtocolFilters": [{"name": "...", "config": {...}}]}
// Every problem is reported with its field, and a configuration with any problem is refused as a
// whole (Envoy then rejects the plugin), like Envoy refuses an invalid typed config.
import { CodecFactory } from "./codec";
import { ConfigErrors } from "./config-errors";
import { FilterConfig } from "./filter";
import { JsonKind, JsonValue, jsonKindName, parseJson } from "./json";
import { codecNames, filterNames, findCodec, findFilter } from "./registry";

export const DEFAULT_MAX_FRAME_SIZE: i32 = 8 * 1024 * 1024;
/** Frames are counted in i32 byte offsets; larger limits are refused. */
const MAX_MAX_FRAME_SIZE: f64 = 1073741824;

const KNOWN_FIELDS = ["statPrefix", "codec", "maxFrameSize", "metaProtocolFilters", "applicationProtocol"];

export class ConfiguredFilter {
  constructor(public name: string, public config: FilterConfig) {}
}

export class MetaProtocolConfig {
  statPrefix: string = "";
  codec: CodecFactory | null = null;
  maxFrameSize: i32 = DEFAULT_MAX_FRAME_SIZE;
  /** In chain order. */
  filters: ConfiguredFilter[] = [];

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

function expectKind(value: JsonValue, kind: JsonKind, field: string, errors: ConfigErrors): bool {
  if (value.kind == kind) return true;
  errors.add(field, "must be a " + jsonKindName(kind) + ", got " + jsonKindName(value.kind));
  return false;
}

export function parseConfig(text: string): ConfigResult {
  const errors = new ConfigErrors();
  const parsed = parseJson(text);
  const root = parsed.value;
  if (root === null) {
    errors.add("(configuration)", "not valid JSON: " + parsed.error);
    return new ConfigResult(null, errors);
  }
  if (!expectKind(root, JsonKind.Object, "(configuration)", errors)) return new ConfigResult(null, errors);

  const config = new MetaProtocolConfig();
  for (let i = 0; i < root.keys.length; i++) {
    if (!KNOWN_FIELDS.includes(root.keys[i])) errors.add(root.keys[i], "unknown field");
  }

  const codec = root.get("codec");
  if (codec === null) {
    errors.add("codec", "required");
  } else if (expectKind(codec, JsonKind.Object, "codec", errors)) {
    const name = codec.get("name");
    if (name === null) errors.add("codec.name", "required");
    else if (expectKind(name, JsonKind.String, "codec.name", errors)) {
      config.codec = findCodec(name.string);
      if (config.codec === null) {
        errors.add("codec.name", "unknown codec '" + name.string + "' (known: " + codecNames().join(", ") + ")");
      }
    }
  }

  const prefix = root.get("statPrefix");
  if (prefix !== null && expectKind(prefix, JsonKind.String, "statPrefix", errors)) config.statPrefix = prefix.string;
  if (config.statPrefix.length == 0 && config.codec !== null) config.statPrefix = config.codec!.name;

  const maxFrameSize = root.get("maxFrameSize");
  if (maxFrameSize !== null && expectKind(maxFrameSize, JsonKind.Number, "maxFrameSize", errors)) {
    const n = maxFrameSize.number;
    if (!maxFrameSize.isInteger || n < 1 || n > MAX_MAX_FRAME_SIZE) {
      errors.add("maxFrameSize", "must be an integer from 1 to " + (<i64>MAX_MAX_FRAME_SIZE).toString());
    } else {
      config.maxFrameSize = <i32>n;
    }
  }

  const filters = root.get("metaProtocolFilters");
  if (filters !== null && expectKind(filters, JsonKind.Array, "metaProtocolFilters", errors)) {
    for (let i = 0; i < filters.items.length; i++) {
      const at = "metaProtocolFilters[" + i.toString() + "]";
      const entry = filters.items[i];
      if (!expectKind(entry, JsonKind.Object, at, errors)) continue;
      const name = entry.get("name");
      if (name === null) {
        errors.add(at + ".name", "required");
        continue;
      }
      if (!expectKind(name, JsonKind.String, at + ".name", errors)) continue;
      const factory = findFilter(name.string);
      if (factory === null) {
        errors.add(at + ".name", "unknown filter '" + name.string + "' (known: " + filterNames().join(", ") + ")");
        continue;
      }
      const filterConfig = factory.configure(entry.get("config"), at + ".config", errors);
      if (filterConfig !== null) config.filters.push(new ConfiguredFilter(name.string, filterConfig));
    }
  }

  return new ConfigResult(errors.isEmpty ? config : null, errors);
}
