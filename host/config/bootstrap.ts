// Reads the Envoy v3 bootstrap the local host can run: static listeners whose chain is the wasm
// network filter then tcp_proxy, static clusters, admin. Every field is checked against what the
// host implements: a field it does not support is a startup error naming the field path, never
// silently ignored (Envoy would act on it, so ignoring it would make the host lie).
import { readFileSync } from "node:fs";
import yaml from "js-yaml";
import { createTagProducer, defaultTagProducer, TagProducer, type TagSpecifier } from "../stats-tags.ts";
import type { PluginSpec } from "../wasm/vm.ts";

export class BootstrapError extends Error {}

export interface Address {
  host: string;
  port: number;
}

/** What the bootstrap says of a wasm filter is exactly what the host needs to load the plugin. */
export type WasmFilterConfig = PluginSpec;

export interface ListenerConfig {
  name: string;
  address: Address;
  wasm: WasmFilterConfig[];
  tcpProxy: TcpProxyFilterConfig;
}

/** TcpProxy as the host runs it: upstream_connect_mode IMMEDIATE, early data when max_early_data_bytes is set. */
export interface TcpProxyFilterConfig {
  statPrefix: string;
  cluster: string;
  /** max_early_data_bytes (UInt32Value, at most 1 MiB); undefined when unset. */
  maxEarlyDataBytes?: number;
}

export interface ClusterConfig {
  name: string;
  type: "STATIC" | "STRICT_DNS" | "LOGICAL_DNS";
  connectTimeoutMs: number;
  endpoints: Address[];
  http2: boolean;
}

export interface Bootstrap {
  admin?: Address;
  listeners: ListenerConfig[];
  clusters: Map<string, ClusterConfig>;
  /** From stats_config: how stat names become tag-extracted names and tags (Envoy's defaults when absent). */
  tagProducer: TagProducer;
  /** The bootstrap's node: what the `node.*` properties answer. */
  node: { id: string; cluster: string };
}

type Obj = Record<string, unknown>;
const WASM_TYPE = "type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm";
const TCP_PROXY_TYPE = "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";
const STRING_VALUE_TYPE = "type.googleapis.com/google.protobuf.StringValue";
const HTTP_OPTIONS_TYPE = "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

function unsupported(path: string): never {
  throw new BootstrapError(`${path}: not supported by the local host`);
}

/** Checks that `value` is an object whose keys are all in `allowed`. */
function object(value: unknown, path: string, allowed: string[]): Obj {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new BootstrapError(`${path}: expected an object`);
  }
  for (const key of Object.keys(value)) if (!allowed.includes(key)) unsupported(`${path}.${key}`);
  return value as Obj;
}

function list(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new BootstrapError(`${path}: expected a list`);
  return value;
}

function string(value: unknown, path: string): string {
  if (typeof value !== "string" || value === "") throw new BootstrapError(`${path}: expected a non-empty string`);
  return value;
}

function port(value: unknown, path: string): number {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 65535) {
    throw new BootstrapError(`${path}: expected a port number`);
  }
  return value as number;
}

/** Envoy durations in YAML: "0.25s", "5s". */
function durationMs(value: unknown, path: string): number {
  const m = typeof value === "string" ? /^(\d+(?:\.\d+)?)s$/.exec(value) : null;
  if (!m) throw new BootstrapError(`${path}: expected a duration such as "5s"`);
  return Math.round(Number(m[1]) * 1000);
}

function socketAddress(value: unknown, path: string): Address {
  const a = object(value, path, ["socket_address"]);
  const s = object(a.socket_address, `${path}.socket_address`, ["address", "port_value", "protocol"]);
  if (s.protocol !== undefined && s.protocol !== "TCP") unsupported(`${path}.socket_address.protocol`);
  return { host: string(s.address, `${path}.socket_address.address`), port: port(s.port_value, `${path}.socket_address.port_value`) };
}

function stringValue(value: unknown, path: string): Uint8Array {
  if (value === undefined) return new Uint8Array(0);
  const v = object(value, path, ["@type", "value"]);
  if (v["@type"] !== STRING_VALUE_TYPE) throw new BootstrapError(`${path}.@type: expected ${STRING_VALUE_TYPE}`);
  return Buffer.from(typeof v.value === "string" ? v.value : "");
}

function wasmCode(value: unknown, path: string, baseDir: string): Uint8Array {
  const code = object(value, path, ["local"]);
  const local = object(code.local, `${path}.local`, ["filename", "inline_bytes", "inline_string"]);
  if (typeof local.filename === "string") {
    // Envoy opens a relative filename from its working directory.
    const file = local.filename.startsWith("/") ? local.filename : `${baseDir}/${local.filename}`;
    try {
      return readFileSync(file);
    } catch (e) {
      throw new BootstrapError(`${path}.local.filename: cannot read ${file}: ${(e as Error).message}`);
    }
  }
  if (typeof local.inline_bytes === "string") return Buffer.from(local.inline_bytes, "base64");
  throw new BootstrapError(`${path}.local: expected filename or inline_bytes`);
}

function wasmFilter(value: unknown, path: string, baseDir: string): WasmFilterConfig {
  const w = object(value, path, ["@type", "config"]);
  const c = object(w.config, `${path}.config`, ["name", "root_id", "vm_config", "configuration", "fail_open", "failure_policy"]);
  const vm = object(c.vm_config, `${path}.config.vm_config`, ["vm_id", "runtime", "code", "configuration", "allow_precompiled"]);
  if (vm.runtime !== "envoy.wasm.runtime.v8") {
    throw new BootstrapError(`${path}.config.vm_config.runtime: the local host runs envoy.wasm.runtime.v8 only`);
  }
  const policy = c.failure_policy;
  if (policy !== undefined && policy !== "FAIL_CLOSED" && policy !== "FAIL_OPEN") unsupported(`${path}.config.failure_policy`);
  return {
    name: typeof c.name === "string" ? c.name : "",
    rootId: typeof c.root_id === "string" ? c.root_id : "",
    vmId: typeof vm.vm_id === "string" ? vm.vm_id : "",
    code: wasmCode(vm.code, `${path}.config.vm_config.code`, baseDir),
    vmConfiguration: stringValue(vm.configuration, `${path}.config.vm_config.configuration`),
    pluginConfiguration: stringValue(c.configuration, `${path}.config.configuration`),
    failOpen: c.fail_open === true || policy === "FAIL_OPEN",
  };
}

const TCP_PROXY_FIELDS = ["stat_prefix", "cluster", "max_early_data_bytes", "upstream_connect_mode"];

/**
 * TcpProxy: upstream_connect_mode IMMEDIATE only (Envoy's default; the delayed modes are not
 * implemented); max_early_data_bytes as Envoy's UInt32Value with `lte: 1048576`.
 */
function tcpProxyFilter(value: unknown, path: string): TcpProxyFilterConfig {
  const t = object(value, path, ["@type", ...TCP_PROXY_FIELDS]);
  const mode = t.upstream_connect_mode;
  if (mode !== undefined && mode !== "IMMEDIATE" && mode !== 0) unsupported(`${path}.upstream_connect_mode (${String(mode)})`);
  const config: TcpProxyFilterConfig = { statPrefix: string(t.stat_prefix, `${path}.stat_prefix`), cluster: string(t.cluster, `${path}.cluster`) };
  if (t.max_early_data_bytes !== undefined) {
    const max = t.max_early_data_bytes;
    if (!Number.isInteger(max) || (max as number) < 0 || (max as number) > 1048576) {
      throw new BootstrapError(`${path}.max_early_data_bytes: expected an integer from 0 to 1048576`);
    }
    config.maxEarlyDataBytes = max as number;
  }
  return config;
}

function listener(value: unknown, path: string, baseDir: string): ListenerConfig {
  const l = object(value, path, ["name", "address", "filter_chains"]);
  const chains = list(l.filter_chains, `${path}.filter_chains`);
  if (chains.length !== 1) throw new BootstrapError(`${path}.filter_chains: the local host runs exactly one filter chain`);
  const chain = object(chains[0], `${path}.filter_chains[0]`, ["filters"]);
  const filters = list(chain.filters, `${path}.filter_chains[0].filters`);
  const wasm: WasmFilterConfig[] = [];
  let tcpProxy: ListenerConfig["tcpProxy"] | undefined;
  filters.forEach((f, i) => {
    const fp = `${path}.filter_chains[0].filters[${i}]`;
    const filter = object(f, fp, ["name", "typed_config"]);
    const typed = object(filter.typed_config, `${fp}.typed_config`, ["@type", "config", ...TCP_PROXY_FIELDS]);
    if (tcpProxy) throw new BootstrapError(`${fp}: tcp_proxy must be the last filter`);
    if (typed["@type"] === WASM_TYPE) {
      wasm.push(wasmFilter(typed, `${fp}.typed_config`, baseDir));
    } else if (typed["@type"] === TCP_PROXY_TYPE) {
      tcpProxy = tcpProxyFilter(typed, `${fp}.typed_config`);
    } else {
      unsupported(`${fp}.typed_config.@type (${String(typed["@type"])})`);
    }
  });
  if (!tcpProxy) throw new BootstrapError(`${path}.filter_chains[0].filters: the chain must end with envoy.filters.network.tcp_proxy`);
  return { name: string(l.name, `${path}.name`), address: socketAddress(l.address, `${path}.address`), wasm, tcpProxy };
}

function cluster(value: unknown, path: string): ClusterConfig {
  const c = object(value, path, ["name", "type", "connect_timeout", "lb_policy", "load_assignment", "typed_extension_protocol_options", "dns_lookup_family"]);
  const type = c.type ?? "STATIC";
  if (type !== "STATIC" && type !== "STRICT_DNS" && type !== "LOGICAL_DNS") unsupported(`${path}.type (${String(type)})`);
  if (c.lb_policy !== undefined && c.lb_policy !== "ROUND_ROBIN") unsupported(`${path}.lb_policy (${String(c.lb_policy)})`);
  if (c.dns_lookup_family !== undefined && c.dns_lookup_family !== "V4_ONLY") unsupported(`${path}.dns_lookup_family`);
  const name = string(c.name, `${path}.name`);
  const la = object(c.load_assignment, `${path}.load_assignment`, ["cluster_name", "endpoints"]);
  const endpoints: Address[] = [];
  list(la.endpoints, `${path}.load_assignment.endpoints`).forEach((e, i) => {
    const ep = object(e, `${path}.load_assignment.endpoints[${i}]`, ["lb_endpoints"]);
    list(ep.lb_endpoints, `${path}.load_assignment.endpoints[${i}].lb_endpoints`).forEach((lb, j) => {
      const lp = `${path}.load_assignment.endpoints[${i}].lb_endpoints[${j}]`;
      const lbe = object(lb, lp, ["endpoint"]);
      const endpoint = object(lbe.endpoint, `${lp}.endpoint`, ["address"]);
      endpoints.push(socketAddress(endpoint.address, `${lp}.endpoint.address`));
    });
  });
  let http2 = false;
  if (c.typed_extension_protocol_options !== undefined) {
    const opts = object(c.typed_extension_protocol_options, `${path}.typed_extension_protocol_options`, ["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]);
    const op = `${path}.typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]`;
    const h = object(opts["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"], op, ["@type", "explicit_http_config"]);
    if (h["@type"] !== HTTP_OPTIONS_TYPE) throw new BootstrapError(`${op}.@type: expected ${HTTP_OPTIONS_TYPE}`);
    const explicit = object(h.explicit_http_config, `${op}.explicit_http_config`, ["http2_protocol_options"]);
    object(explicit.http2_protocol_options, `${op}.explicit_http_config.http2_protocol_options`, []);
    http2 = true;
  }
  return {
    name,
    type: type as ClusterConfig["type"],
    connectTimeoutMs: c.connect_timeout === undefined ? 5000 : durationMs(c.connect_timeout, `${path}.connect_timeout`),
    endpoints,
    http2,
  };
}

/** stats_config (envoy.config.metrics.v3.StatsConfig): stats_tags and use_all_default_tags; stats_matcher and histogram_bucket_settings are refused. */
function statsConfig(value: unknown, path: string): TagProducer {
  const c = object(value, path, ["stats_tags", "use_all_default_tags"]);
  const useAll = c.use_all_default_tags;
  if (useAll !== undefined && typeof useAll !== "boolean") throw new BootstrapError(`${path}.use_all_default_tags: expected a boolean`);
  const statsTags = list(c.stats_tags ?? [], `${path}.stats_tags`).map((t, i): TagSpecifier => {
    const tp = `${path}.stats_tags[${i}]`;
    const spec = object(t, tp, ["tag_name", "regex", "fixed_value"]);
    for (const key of ["tag_name", "regex", "fixed_value"]) {
      if (spec[key] !== undefined && typeof spec[key] !== "string") throw new BootstrapError(`${tp}.${key}: expected a string`);
    }
    if (spec.regex !== undefined && spec.fixed_value !== undefined) throw new BootstrapError(`${tp}: regex and fixed_value are both set, but they are the oneof tag_value`);
    // stats.proto: regex = 2 [(validate.rules).string = {max_bytes: 1024}]
    if (typeof spec.regex === "string" && Buffer.byteLength(spec.regex) > 1024) throw new BootstrapError(`${tp}.regex: longer than 1024 bytes`);
    return { tagName: (spec.tag_name as string | undefined) ?? "", regex: spec.regex as string | undefined, fixedValue: spec.fixed_value as string | undefined };
  });
  const producer = createTagProducer({ statsTags, useAllDefaultTags: useAll as boolean | undefined });
  if (!(producer instanceof TagProducer)) throw new BootstrapError(`${path}.${producer.field}: ${producer.message}`);
  return producer;
}

/** Parses a bootstrap (a YAML file path, or an already-parsed object whose relative paths resolve from `baseDir`). */
export function readBootstrap(source: string | object, baseDir = process.cwd()): Bootstrap {
  const doc = typeof source === "string" ? yaml.load(readFileSync(source, "utf8")) : source;
  const b = object(doc, "bootstrap", ["admin", "static_resources", "node", "stats_config"]);
  const n = b.node === undefined ? {} : object(b.node, "node", ["id", "cluster"]);
  const node = { id: n.id === undefined ? "" : String(n.id), cluster: n.cluster === undefined ? "" : String(n.cluster) };
  const sr = object(b.static_resources, "static_resources", ["listeners", "clusters"]);
  const listeners = list(sr.listeners ?? [], "static_resources.listeners").map((l, i) => listener(l, `static_resources.listeners[${i}]`, baseDir));
  const clusters = new Map<string, ClusterConfig>();
  list(sr.clusters ?? [], "static_resources.clusters").forEach((c, i) => {
    const parsed = cluster(c, `static_resources.clusters[${i}]`);
    clusters.set(parsed.name, parsed);
  });
  let admin: Address | undefined;
  if (b.admin !== undefined) {
    const a = object(b.admin, "admin", ["address", "access_log"]);
    if (a.access_log !== undefined && list(a.access_log, "admin.access_log").length > 0) unsupported("admin.access_log");
    admin = socketAddress(a.address, "admin.address");
  }
  const tagProducer = b.stats_config === undefined ? defaultTagProducer() : statsConfig(b.stats_config, "stats_config");
  return { admin, listeners, clusters, tagProducer, node };
}
