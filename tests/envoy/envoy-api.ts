// Checks an Envoy config written as YAML/JSON against Envoy's own API definitions: the .proto
// files shipped in @grpc/grpc-js-xds (envoy-api, xds, googleapis, protoc-gen-validate). Unlike
// protobufjs' fromObject, which drops what it does not know, every key must be a field of its
// message, every `@type` of an Any must resolve and its body must validate too, enum values must
// exist, and at most one member of a oneof may be set.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import protobuf from "protobufjs";

const require = createRequire(import.meta.url);
const deps = join(dirname(require.resolve("@grpc/grpc-js-xds/package.json")), "deps");
const includeDirs = ["envoy-api", "xds", "googleapis", "protoc-gen-validate", "cncf-xds"].map((d) => join(deps, d)).filter(existsSync);
const wellKnown = join(dirname(require.resolve("protobufjs/package.json")));

function loadRoot(files: string[]): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (target.startsWith("google/protobuf/")) {
      const p = join(wellKnown, target);
      if (existsSync(p)) return p;
    }
    for (const dir of includeDirs) {
      const p = join(dir, target);
      if (existsSync(p)) return p;
    }
    return target;
  };
  root.loadSync(files, { keepCase: true });
  root.resolveAll();
  return root;
}

/**
 * Fields of Envoy's current API that the bundled envoy-api (@grpc/grpc-js-xds 1.14.1) predates, added
 * to their message with their real type so that a config using them validates and a wrong value
 * is still refused. Only what this project writes is here. Source: Envoy's
 * api/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto (Envoy 1.37+).
 */
export const NEWER_THAN_BUNDLED_API: ReadonlyArray<{ message: string; field: string; id: number; type: string }> = [
  // `google.protobuf.UInt32Value max_early_data_bytes = 22 [(validate.rules).uint32 = {lte: 1048576}]`
  { message: "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy", field: "max_early_data_bytes", id: 22, type: "google.protobuf.UInt32Value" },
  // `UpstreamConnectMode upstream_connect_mode`; the number (21) is inferred from the field order, JSON names only matter here
  { message: "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy", field: "upstream_connect_mode", id: 21, type: "envoy.extensions.filters.network.tcp_proxy.v3.UpstreamConnectMode" },
];

/** Enums those fields need, also newer than the bundled API: full name -> values. */
const NEWER_ENUMS: Record<string, Record<string, number>> = {
  "envoy.extensions.filters.network.tcp_proxy.v3.UpstreamConnectMode": { IMMEDIATE: 0, ON_DOWNSTREAM_DATA: 1, ON_DOWNSTREAM_TLS_HANDSHAKE: 2 },
};

function addNewerFields(root: protobuf.Root): void {
  for (const [fullName, values] of Object.entries(NEWER_ENUMS)) {
    const dot = fullName.lastIndexOf(".");
    if (root.lookup(fullName)) throw new Error(`${fullName} is in the bundled API now: remove it from NEWER_ENUMS`);
    (root.lookup(fullName.slice(0, dot), [protobuf.Namespace]) as protobuf.Namespace).add(new protobuf.Enum(fullName.slice(dot + 1), values));
  }
  for (const f of NEWER_THAN_BUNDLED_API) {
    const type = root.lookupType(f.message);
    if (type.fields[f.field]) throw new Error(`${f.message}.${f.field} is in the bundled API now: remove it from NEWER_THAN_BUNDLED_API`);
    const field = new protobuf.Field(f.field, f.id, f.type);
    type.add(field);
    field.resolve();
  }
}

/** Every typed_config this project writes, plus the bootstrap itself. */
const root = loadRoot([
  "envoy/config/bootstrap/v3/bootstrap.proto",
  "envoy/extensions/filters/network/wasm/v3/wasm.proto",
  "envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto",
  "envoy/extensions/upstreams/http/v3/http_protocol_options.proto",
  "google/protobuf/wrappers.proto",
]);
addNewerFields(root);

export class EnvoyConfigError extends Error {}

const DURATION = /^-?\d+(\.\d+)?s$/;

function checkValue(field: protobuf.Field, value: unknown, path: string): void {
  if (field.repeated && !field.map) {
    if (!Array.isArray(value)) throw new EnvoyConfigError(`${path}: expected a list`);
    value.forEach((v, i) => checkScalarOrMessage(field, v, `${path}[${i}]`));
    return;
  }
  if (field.map) {
    if (typeof value !== "object" || value === null) throw new EnvoyConfigError(`${path}: expected a map`);
    for (const [k, v] of Object.entries(value)) checkScalarOrMessage(field, v, `${path}["${k}"]`);
    return;
  }
  checkScalarOrMessage(field, value, path);
}

function checkScalarOrMessage(field: protobuf.Field, value: unknown, path: string): void {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Enum) {
    if (typeof value === "string" ? !(value in rt.values) : !Object.values(rt.values).includes(value as number)) {
      throw new EnvoyConfigError(`${path}: ${String(value)} is not a value of ${rt.fullName}`);
    }
    return;
  }
  if (rt instanceof protobuf.Type) return checkMessage(rt, value, path);
  const t = field.type;
  const ok =
    t === "string" ? typeof value === "string" :
    t === "bool" ? typeof value === "boolean" :
    t === "bytes" ? typeof value === "string" :
    ["int32", "uint32", "sint32", "fixed32", "sfixed32", "double", "float"].includes(t) ? typeof value === "number" :
    ["int64", "uint64", "sint64", "fixed64", "sfixed64"].includes(t) ? typeof value === "number" || /^-?\d+$/.test(String(value)) : false;
  if (!ok) throw new EnvoyConfigError(`${path}: expected ${t}, got ${JSON.stringify(value)}`);
}

export function checkMessage(type: protobuf.Type, value: unknown, path: string): void {
  const name = type.fullName.slice(1);
  // Well-known types with a JSON form of their own.
  if (name === "google.protobuf.Duration") {
    if (typeof value !== "string" || !DURATION.test(value)) throw new EnvoyConfigError(`${path}: expected a duration like "1s"`);
    return;
  }
  if (name === "google.protobuf.Struct" || name === "google.protobuf.Value") return;
  if (/^google\.protobuf\.(U?Int(32|64)|Double|Float|Bool|String|Bytes)Value$/.test(name) && typeof value !== "object") {
    return checkScalarOrMessage(type.fields.value, value, path);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new EnvoyConfigError(`${path}: expected a ${name} object`);
  const obj = value as Record<string, unknown>;
  if (name === "google.protobuf.Any") {
    const url = obj["@type"];
    if (typeof url !== "string") throw new EnvoyConfigError(`${path}.@type: missing`);
    const inner = root.lookupType(url.slice(url.lastIndexOf("/") + 1));
    const { "@type": _, ...body } = obj;
    if (/^google\.protobuf\.\w+Value$/.test(inner.fullName.slice(1)) && "value" in body) {
      return checkScalarOrMessage(inner.fields.value, body.value, `${path}.value`);
    }
    return checkMessage(inner, body, path);
  }
  for (const [key, v] of Object.entries(obj)) {
    const field = type.fields[key];
    if (!field) throw new EnvoyConfigError(`${path}.${key}: unknown field of ${name}`);
    checkValue(field, v, `${path}.${key}`);
  }
  for (const oneof of type.oneofsArray) {
    const set = oneof.fieldsArray.filter((f) => obj[f.name] !== undefined);
    if (set.length > 1) throw new EnvoyConfigError(`${path}: ${set.map((f) => f.name).join(" and ")} are one of ${oneof.name}`);
  }
}

export function checkBootstrap(config: unknown): void {
  checkMessage(root.lookupType("envoy.config.bootstrap.v3.Bootstrap"), config, "bootstrap");
}
