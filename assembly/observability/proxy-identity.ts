// What the metrics and access logs say about the proxy itself: the protocol of the plugin
// configuration a filter is part of, and the workload Istio describes in the node metadata.
import { getBufferBytes, getBufferSize, getPropertyString } from "../abi/host";
import { BufferType } from "../abi/types";
import { JsonKind, JsonValue, parseJson } from "../meta/json";
import { AERAKI_CODEC_PREFIX } from "../meta/registry";
import { UNKNOWN } from "./label-values";
import { LocalWorkload } from "./stat-naming";

function member(o: JsonValue, camel: string, snake: string): JsonValue | null {
  const v = o.get(camel);
  return v !== null ? v : o.get(snake);
}

/**
 * The plugin's stat prefix, else its codec's short name, read from the plugin configuration being
 * configured (Envoy shows it only during proxy_on_configure, which is when filters are configured).
 * Null outside that callback or when neither is there.
 */
export function pluginProtocol(): string | null {
  const size = getBufferSize(BufferType.PluginConfiguration);
  if (size <= 0) return null;
  const bytes = getBufferBytes(BufferType.PluginConfiguration, 0, <u32>size);
  if (bytes === null) return null;
  const root = parseJson(String.UTF8.decode(bytes)).value;
  if (root === null || root.kind != JsonKind.Object) return null;
  const prefix = member(root, "statPrefix", "stat_prefix");
  if (prefix !== null && prefix.kind == JsonKind.String && prefix.string.length > 0) return prefix.string;
  const codec = root.get("codec");
  const name = codec !== null ? codec.get("name") : null;
  if (name === null || name.kind != JsonKind.String) return null;
  const n = name.string;
  return n.startsWith(AERAKI_CODEC_PREFIX) ? n.substr(AERAKI_CODEC_PREFIX.length) : n;
}

function nodeMetadata(path: string[]): string {
  const v = getPropertyString(["node", "metadata"].concat(path));
  return v === null || v.length == 0 ? UNKNOWN : v;
}

/** Istio's node metadata (WORKLOAD_NAME, NAMESPACE, CLUSTER_ID, LABELS); `unknown` where absent. */
export function localWorkload(reporter: string): LocalWorkload {
  const w = new LocalWorkload();
  w.reporter = reporter;
  w.workload = nodeMetadata(["WORKLOAD_NAME"]);
  w.namespace = nodeMetadata(["NAMESPACE"]);
  w.clusterId = nodeMetadata(["CLUSTER_ID"]);
  w.app = nodeMetadata(["LABELS", "app"]);
  w.version = nodeMetadata(["LABELS", "version"]);
  w.canonicalService = nodeMetadata(["LABELS", "service.istio.io/canonical-name"]);
  w.canonicalRevision = nodeMetadata(["LABELS", "service.istio.io/canonical-revision"]);
  return w;
}
