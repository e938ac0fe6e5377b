// Reading one JSON object of a filter's configuration: unknown fields and wrong types are reported
// with their path (`metaProtocolFilters[0].config.routes[1].match`), absent optional fields are null.
// Fields are read as proto3 JSON reads them: by their lowerCamelCase name (`maxTokens`) or by the
// proto field name (`max_tokens`), so Aeraki's configurations are taken as written in either form.
import { ConfigErrors } from "./config-errors";
import { JsonKind, JsonValue, jsonKindName } from "./json";

export class ConfigFields {
  readonly valid: bool;

  /** Checks that `value` is an object with only `known` fields. */
  constructor(private value: JsonValue, readonly at: string, readonly errors: ConfigErrors, known: string[]) {
    let valid = value.kind == JsonKind.Object;
    if (!valid) errors.add(at, "must be an object, got " + jsonKindName(value.kind));
    let unknown = 0;
    for (let i = 0; valid && i < value.keys.length; i++) {
      if (!known.includes(value.keys[i]) && !known.includes(lowerCamel(value.keys[i]))) {
        unknown++;
        errors.add(at.length > 0 ? at + "." + value.keys[i] : value.keys[i], "unknown field");
      }
    }
    this.valid = valid && unknown == 0;
  }

  path(name: string): string {
    return this.at.length > 0 ? this.at + "." + name : name;
  }

  has(name: string): bool {
    return this.get(name) !== null;
  }

  /** Whether the member is present with `kind` (for fields that take one of two shapes). */
  isKind(name: string, kind: JsonKind): bool {
    const v = this.get(name);
    return v !== null && v.kind == kind;
  }

  /** The member by its lowerCamelCase name or its proto (snake_case) name. */
  private get(name: string): JsonValue | null {
    const v = this.value.get(name);
    return v !== null ? v : this.value.get(snakeCase(name));
  }

  /** The member if present and of `kind`; null (with an error when of another kind, or absent but required). */
  field(name: string, kind: JsonKind, required: bool = false): JsonValue | null {
    const v = this.get(name);
    if (v === null) {
      if (required) this.errors.add(this.path(name), "required");
      return null;
    }
    if (v.kind != kind) {
      this.errors.add(this.path(name), "must be a " + jsonKindName(kind) + ", got " + jsonKindName(v.kind));
      return null;
    }
    return v;
  }

  string(name: string, required: bool = false): string | null {
    const v = this.field(name, JsonKind.String, required);
    return v === null ? null : v.string;
  }

  /** A non-negative integer, or -1 when absent or invalid. */
  count(name: string, required: bool = false): i64 {
    const v = this.field(name, JsonKind.Number, required);
    if (v === null) return -1;
    if (!v.isInteger || v.number < 0 || v.number > 9007199254740991) {
      this.errors.add(this.path(name), "must be a non-negative integer");
      return -1;
    }
    return <i64>v.number;
  }

  /** A protobuf JSON Duration ("1.5s", as Aeraki's resources write it; "100ms" too) in milliseconds, or -1. */
  durationMillis(name: string, required: bool = false): i64 {
    const text = this.string(name, required);
    if (text === null) return -1;
    const millis = parseDurationMillis(text);
    if (millis < 0) this.errors.add(this.path(name), "must be a duration such as \"1.5s\" or \"100ms\", got \"" + text + "\"");
    return millis;
  }
}

/** "1.5s" / "100ms" / "2m" / "1h" to milliseconds; -1 when malformed. */
export function parseDurationMillis(text: string): i64 {
  let unit: f64 = 0;
  let digits = text;
  if (text.endsWith("ms")) {
    unit = 1;
    digits = text.substr(0, text.length - 2);
  } else if (text.endsWith("s")) {
    unit = 1000;
    digits = text.substr(0, text.length - 1);
  } else if (text.endsWith("m")) {
    unit = 60000;
    digits = text.substr(0, text.length - 1);
  } else if (text.endsWith("h")) {
    unit = 3600000;
    digits = text.substr(0, text.length - 1);
  } else {
    return -1;
  }
  if (digits.length == 0) return -1;
  let dots = 0;
  for (let i = 0; i < digits.length; i++) {
    const c = digits.charCodeAt(i);
    if (c == 0x2e) dots++;
    else if (c < 0x30 || c > 0x39) return -1;
  }
  if (dots > 1 || digits == ".") return -1;
  return <i64>Math.round(parseFloat(digits) * unit);
}

/** proto3 JSON's name mapping: `max_tokens` -> `maxTokens`. */
export function lowerCamel(name: string): string {
  if (!name.includes("_")) return name;
  let out = "";
  let upper = false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charAt(i);
    if (c == "_") {
      upper = true;
      continue;
    }
    out += upper ? c.toUpperCase() : c;
    upper = false;
  }
  return out;
}

/** `maxTokens` -> `max_tokens`. */
export function snakeCase(name: string): string {
  let out = "";
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) out += "_" + String.fromCharCode(c + 0x20);
    else out += name.charAt(i);
  }
  return out;
}
