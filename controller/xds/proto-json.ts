// Turns a message written as proto3 JSON (proto field names, or their lowerCamel JSON names) into
// protobuf bytes. protobufjs' fromObject alone is not enough: it silently drops unknown keys and
// does not read the JSON forms of well-known types (a ClusterWeight's `"weight": 20` is a
// UInt32Value, `"1s"` a Duration). So the object is first normalized against the type, strictly
// (an unknown key, a wrong type or a missing enum value is an error naming its path), then checked
// with verify, then encoded with fromObject.
import protobuf from "protobufjs";

export class ProtoJsonError extends Error {}

type Json = unknown;
type Obj = Record<string, Json>;

const INT64 = new Set(["int64", "uint64", "sint64", "fixed64", "sfixed64"]);
const INT32 = new Set(["int32", "uint32", "sint32", "fixed32", "sfixed32"]);
const WRAPPER = /^google\.protobuf\.(Double|Float|Int64|UInt64|Int32|UInt32|Bool|String|Bytes)Value$/;

function fail(path: string, message: string): never {
  throw new ProtoJsonError(`${path}: ${message}`);
}

function isObject(v: Json): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Encodes `json` as a `type` message; throws ProtoJsonError if it is not a valid one. */
export function encodeProtoJson(type: protobuf.Type, json: Json, path = type.name): Uint8Array {
  const normalized = normalizeMessage(type, json, path);
  const problem = type.verify(normalized);
  if (problem) fail(path, problem);
  return type.encode(type.fromObject(normalized)).finish();
}

function normalizeMessage(type: protobuf.Type, value: Json, path: string): Obj {
  const special = normalizeWellKnown(type, value, path);
  if (special !== undefined) return special;
  if (!isObject(value)) fail(path, `expected a ${type.fullName.slice(1)} object, got ${JSON.stringify(value)}`);
  const out: Obj = {};
  for (const [key, v] of Object.entries(value)) {
    const field = type.fields[key] ?? type.fieldsArray.find((f) => protobuf.util.camelCase(f.name) === key);
    if (!field) fail(`${path}.${key}`, `not a field of ${type.fullName.slice(1)}`);
    if (v === null) continue; // proto3 JSON: null is the default value
    if (field.name in out) fail(`${path}.${key}`, "given twice (by proto name and JSON name)");
    out[field.name] = normalizeField(field, v, `${path}.${key}`);
  }
  for (const oneof of type.oneofsArray) {
    const set = oneof.fieldsArray.filter((f) => out[f.name] !== undefined);
    if (set.length > 1) fail(path, `${set.map((f) => f.name).join(" and ")} are members of one oneof ${oneof.name}`);
  }
  return out;
}

function normalizeField(field: protobuf.Field, value: Json, path: string): Json {
  field.resolve();
  if (field instanceof protobuf.MapField) {
    if (!isObject(value)) fail(path, "expected a map object");
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalizeSingle(field, v, `${path}["${k}"]`)]));
  }
  if (field.repeated) {
    if (!Array.isArray(value)) fail(path, "expected a list");
    return value.map((v, i) => normalizeSingle(field, v, `${path}[${i}]`));
  }
  return normalizeSingle(field, value, path);
}

function normalizeSingle(field: protobuf.Field, value: Json, path: string): Json {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) return normalizeMessage(rt, value, path);
  if (rt instanceof protobuf.Enum) return normalizeEnum(rt, value, path);
  return normalizeScalar(field.type, value, path);
}

function normalizeEnum(type: protobuf.Enum, value: Json, path: string): number {
  if (typeof value === "string" && value in type.values) return type.values[value];
  if (typeof value === "number" && Object.values(type.values).includes(value)) return value;
  fail(path, `${JSON.stringify(value)} is not a value of ${type.fullName.slice(1)}`);
}

function normalizeScalar(kind: string, value: Json, path: string): Json {
  const wrong = (): never => fail(path, `expected ${kind}, got ${JSON.stringify(value)}`);
  if (kind === "string") return typeof value === "string" ? value : wrong();
  if (kind === "bool") return typeof value === "boolean" ? value : wrong();
  if (kind === "bytes") return typeof value === "string" ? Buffer.from(value, "base64") : wrong();
  if (kind === "double" || kind === "float") {
    if (typeof value === "number") return value;
    if (typeof value === "string" && /^(NaN|-?Infinity|-?\d+(\.\d+)?([eE][-+]?\d+)?)$/.test(value)) return Number(value);
    return wrong();
  }
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value : wrong();
  if (!/^-?\d+$/.test(text)) wrong();
  const unsigned = kind.startsWith("u") || kind.startsWith("fixed");
  if (unsigned && text.startsWith("-")) wrong();
  if (INT32.has(kind)) {
    const n = Number(text);
    return (unsigned ? n <= 0xffffffff : n >= -0x80000000 && n <= 0x7fffffff) ? n : wrong();
  }
  if (INT64.has(kind)) {
    const n = Number(text);
    // protobufjs ships the long package: a 64-bit value past 2^53 stays exact as a Long.
    return Number.isSafeInteger(n) ? n : (protobuf.util.Long as unknown as { fromString(s: string, unsigned: boolean): object }).fromString(text, unsigned);
  }
  return wrong();
}

function hasJsonForm(type: protobuf.Type): boolean {
  const name = type.fullName.slice(1);
  return WRAPPER.test(name) || /^google\.protobuf\.(Duration|Struct|Value|ListValue)$/.test(name);
}

/** The JSON forms proto3 gives some well-known types; undefined when `type` has none. */
function normalizeWellKnown(type: protobuf.Type, value: Json, path: string): Obj | undefined {
  const name = type.fullName.slice(1);
  if (WRAPPER.test(name)) {
    return isObject(value) ? undefined : { value: normalizeSingle(type.fields.value, value, path) };
  }
  switch (name) {
    case "google.protobuf.Duration": {
      if (isObject(value)) return undefined;
      const m = typeof value === "string" ? /^(-?)(\d+)(?:\.(\d{1,9}))?s$/.exec(value) : null;
      if (!m) fail(path, `expected a duration like "1.5s", got ${JSON.stringify(value)}`);
      const sign = m[1] === "-" ? -1 : 1;
      return { seconds: sign * Number(m[2]), nanos: sign * Number((m[3] ?? "").padEnd(9, "0")) };
    }
    case "google.protobuf.Any": {
      if (!isObject(value) || typeof value["@type"] !== "string") fail(path, 'expected an Any with "@type"');
      const url = value["@type"];
      const inner = type.root.lookup(url.slice(url.lastIndexOf("/") + 1));
      if (!(inner instanceof protobuf.Type)) fail(`${path}.@type`, `${url} is not a known message type`);
      const { "@type": _, ...body } = value;
      // A well-known type with a JSON form of its own is carried under "value".
      const message = hasJsonForm(inner) ? body.value : body;
      return { type_url: url, value: encodeProtoJson(inner, message, path) };
    }
    case "google.protobuf.Struct":
      if (!isObject(value)) fail(path, "expected a JSON object");
      return structOf(type.root, value, path);
    case "google.protobuf.Value":
      return valueOf(type.root, value, path);
    case "google.protobuf.ListValue":
      if (!Array.isArray(value)) fail(path, "expected a list");
      return { values: value.map((v, i) => valueOf(type.root, v, `${path}[${i}]`)) };
    default:
      return undefined;
  }
}

function structOf(root: protobuf.Namespace, value: Obj, path: string): Obj {
  return { fields: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, valueOf(root, v, `${path}.${k}`)])) };
}

/** google.protobuf.Value from any JSON value, with the field names of the loaded definition
 * (protobufjs' built-in struct.proto names them in lowerCamel, a .proto file in snake case). */
function valueOf(root: protobuf.Namespace, v: Json, path: string): Obj {
  const fields = root.lookupType("google.protobuf.Value").fields;
  const key = (name: string) => (name in fields ? name : protobuf.util.camelCase(name));
  if (v === null) return { [key("null_value")]: 0 };
  if (typeof v === "number") return { [key("number_value")]: v };
  if (typeof v === "string") return { [key("string_value")]: v };
  if (typeof v === "boolean") return { [key("bool_value")]: v };
  if (Array.isArray(v)) return { [key("list_value")]: { values: v.map((x, i) => valueOf(root, x, `${path}[${i}]`)) } };
  if (isObject(v)) return { [key("struct_value")]: structOf(root, v, path) };
  fail(path, `not a JSON value: ${String(v)}`);
}
