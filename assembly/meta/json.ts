// A small JSON reader for the plugin configuration: values as a tree, errors as values (AssemblyScript
// has no exceptions, and a bad configuration must be refused with a message, never trap the VM).
// Numbers are kept as f64, as JSON defines them; strings decode the standard escapes, \u included.

export enum JsonKind {
  Null = 0,
  Bool = 1,
  Number = 2,
  String = 3,
  Array = 4,
  Object = 5,
}

export class JsonValue {
  kind: JsonKind = JsonKind.Null;
  bool: bool = false;
  number: f64 = 0;
  string: string = "";
  /** Array items, or object values (in the order written). */
  items: JsonValue[] = [];
  /** Object keys, parallel to `items`. */
  keys: string[] = [];

  /** The member `key` of an object, null when absent (or when this is not an object). */
  get(key: string): JsonValue | null {
    if (this.kind != JsonKind.Object) return null;
    for (let i = this.keys.length - 1; i >= 0; i--) {
      if (this.keys[i] == key) return this.items[i];
    }
    return null;
  }

  get isInteger(): bool {
    return this.kind == JsonKind.Number && Math.floor(this.number) == this.number && isFinite(this.number);
  }
}

export class JsonResult {
  constructor(public value: JsonValue | null, public error: string) {}
}

const MAX_DEPTH = 64;

class JsonReader {
  at: i32 = 0;
  error: string = "";

  constructor(private text: string) {}

  fail(what: string): JsonValue | null {
    if (this.error.length == 0) this.error = what + " at offset " + this.at.toString();
    return null;
  }

  skipSpace(): void {
    while (this.at < this.text.length) {
      const c = this.text.charCodeAt(this.at);
      if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) return;
      this.at++;
    }
  }

  value(depth: i32): JsonValue | null {
    if (depth > MAX_DEPTH) return this.fail("nesting too deep");
    this.skipSpace();
    if (this.at >= this.text.length) return this.fail("unexpected end of input");
    const c = this.text.charCodeAt(this.at);
    if (c == 0x7b) return this.object(depth);
    if (c == 0x5b) return this.array(depth);
    if (c == 0x22) {
      const s = this.string();
      if (s === null) return null;
      const v = new JsonValue();
      v.kind = JsonKind.String;
      v.string = s;
      return v;
    }
    if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (this.word("true")) return boolValue(true);
    if (this.word("false")) return boolValue(false);
    if (this.word("null")) return new JsonValue();
    return this.fail("unexpected character '" + String.fromCharCode(c) + "'");
  }

  word(w: string): bool {
    if (this.text.substr(this.at, w.length) != w) return false;
    this.at += w.length;
    return true;
  }

  object(depth: i32): JsonValue | null {
    const v = new JsonValue();
    v.kind = JsonKind.Object;
    this.at++; // {
    this.skipSpace();
    if (this.peek() == 0x7d) {
      this.at++;
      return v;
    }
    while (true) {
      this.skipSpace();
      if (this.peek() != 0x22) return this.fail("expected a string key");
      const key = this.string();
      if (key === null) return null;
      this.skipSpace();
      if (this.peek() != 0x3a) return this.fail("expected ':'");
      this.at++;
      const item = this.value(depth + 1);
      if (item === null) return null;
      v.keys.push(key);
      v.items.push(item);
      this.skipSpace();
      const c = this.peek();
      this.at++;
      if (c == 0x7d) return v;
      if (c != 0x2c) return this.fail("expected ',' or '}'");
    }
  }

  array(depth: i32): JsonValue | null {
    const v = new JsonValue();
    v.kind = JsonKind.Array;
    this.at++; // [
    this.skipSpace();
    if (this.peek() == 0x5d) {
      this.at++;
      return v;
    }
    while (true) {
      const item = this.value(depth + 1);
      if (item === null) return null;
      v.items.push(item);
      this.skipSpace();
      const c = this.peek();
      this.at++;
      if (c == 0x5d) return v;
      if (c != 0x2c) return this.fail("expected ',' or ']'");
    }
  }

  peek(): i32 {
    return this.at < this.text.length ? this.text.charCodeAt(this.at) : -1;
  }

  number(): JsonValue | null {
    const start = this.at;
    if (this.peek() == 0x2d) this.at++;
    if (!this.digits()) return this.fail("malformed number");
    if (this.peek() == 0x2e) {
      this.at++;
      if (!this.digits()) return this.fail("malformed number");
    }
    const e = this.peek();
    if (e == 0x65 || e == 0x45) {
      this.at++;
      const sign = this.peek();
      if (sign == 0x2b || sign == 0x2d) this.at++;
      if (!this.digits()) return this.fail("malformed number");
    }
    const v = new JsonValue();
    v.kind = JsonKind.Number;
    v.number = parseFloat(this.text.substring(start, this.at));
    return v;
  }

  digits(): bool {
    const start = this.at;
    while (this.at < this.text.length) {
      const c = this.text.charCodeAt(this.at);
      if (c < 0x30 || c > 0x39) break;
      this.at++;
    }
    return this.at > start;
  }

  /** A string starting at the opening quote; null (with an error) if malformed. */
  string(): string | null {
    this.at++; // "
    let out = "";
    let runStart = this.at;
    while (true) {
      if (this.at >= this.text.length) {
        this.fail("unterminated string");
        return null;
      }
      const c = this.text.charCodeAt(this.at);
      if (c == 0x22) {
        out += this.text.substring(runStart, this.at);
        this.at++;
        return out;
      }
      if (c < 0x20) {
        this.fail("control character in string");
        return null;
      }
      if (c != 0x5c) {
        this.at++;
        continue;
      }
      out += this.text.substring(runStart, this.at);
      this.at++;
      const escaped = this.escape();
      if (escaped < 0) {
        this.fail("bad escape in string");
        return null;
      }
      out += String.fromCharCode(escaped);
      runStart = this.at;
    }
  }

  /** The code unit after a backslash (advancing past it), -1 if not a JSON escape. */
  escape(): i32 {
    const c = this.peek();
    this.at++;
    if (c == 0x22 || c == 0x5c || c == 0x2f) return c;
    if (c == 0x62) return 0x08;
    if (c == 0x66) return 0x0c;
    if (c == 0x6e) return 0x0a;
    if (c == 0x72) return 0x0d;
    if (c == 0x74) return 0x09;
    if (c != 0x75) return -1;
    let unit = 0;
    for (let i = 0; i < 4; i++) {
      const h = this.peek();
      this.at++;
      let d = -1;
      if (h >= 0x30 && h <= 0x39) d = h - 0x30;
      else if (h >= 0x61 && h <= 0x66) d = h - 0x61 + 10;
      else if (h >= 0x41 && h <= 0x46) d = h - 0x41 + 10;
      if (d < 0) return -1;
      unit = (unit << 4) | d;
    }
    return unit;
  }
}

function boolValue(b: bool): JsonValue {
  const v = new JsonValue();
  v.kind = JsonKind.Bool;
  v.bool = b;
  return v;
}

/** Parses one JSON document; the result holds the value or an error naming the offset. */
export function parseJson(text: string): JsonResult {
  const reader = new JsonReader(text);
  const value = reader.value(0);
  if (value === null) return new JsonResult(null, reader.error);
  reader.skipSpace();
  if (reader.at != text.length) {
    reader.fail("trailing characters");
    return new JsonResult(null, reader.error);
  }
  return new JsonResult(value, "");
}

export function jsonKindName(kind: JsonKind): string {
  switch (kind) {
    case JsonKind.Null: return "null";
    case JsonKind.Bool: return "boolean";
    case JsonKind.Number: return "number";
    case JsonKind.String: return "string";
    case JsonKind.Array: return "array";
    default: return "object";
  }
}
