// The two Thrift wire protocols a proxy meets, as far as a proxy reads them: the message header,
// the id of a struct's first field (a reply's result), and skipping any value unread.
//   binary  (TBinaryProtocol): big-endian fixed-size ints, i32-length strings; strict headers
//           start with 0x8001, old "non-strict" ones with the name length
//   compact (TCompactProtocol): 0x82, varints (zigzag), field-id deltas
import { ByteCursor } from "./byte-cursor";

export enum ThriftMessageType {
  Call = 1,
  Reply = 2,
  Exception = 3,
  Oneway = 4,
}

export class ThriftHeader {
  name: string = "";
  type: i32 = 0;
  seqId: i32 = 0;
}

/** Nesting a skipped value may have before it is called malformed (bounds the VM stack). */
const MAX_DEPTH: i32 = 64;

export abstract class ThriftProtocol {
  /** Reads the message header at the cursor into `h`; false when short or malformed. */
  abstract readHeader(c: ByteCursor, h: ThriftHeader): bool;
  /** The first field id of the struct at the cursor, -1 for an empty struct. */
  abstract firstFieldId(c: ByteCursor): i32;
  /** Skips the struct at the cursor. */
  abstract skipStruct(c: ByteCursor, depth: i32): bool;
  /** Writes a message header. */
  abstract writeHeader(out: ThriftWriter, name: string, type: i32, seqId: i32): void;
  /** Writes a TApplicationException struct {1: message, 2: type}. */
  abstract writeApplicationException(out: ThriftWriter, message: string, type: i32): void;
}

/** Growable big-endian byte writer. */
export class ThriftWriter {
  bytes: u8[] = [];

  u8(v: i32): void {
    this.bytes.push(<u8>v);
  }
  i16(v: i32): void {
    this.u8(v >> 8);
    this.u8(v);
  }
  i32(v: i32): void {
    this.u8(v >>> 24);
    this.u8(v >>> 16);
    this.u8(v >>> 8);
    this.u8(v);
  }
  varint(v: u32): void {
    while (v >= 0x80) {
      this.u8((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    this.u8(v);
  }
  utf8(s: string): Uint8Array {
    return Uint8Array.wrap(String.UTF8.encode(s));
  }
  raw(data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) this.bytes.push(data[i]);
  }
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.bytes.length);
    for (let i = 0; i < this.bytes.length; i++) out[i] = this.bytes[i];
    return out;
  }
}

// TType ids of the binary protocol.
const T_STOP = 0;
const T_BOOL = 2;
const T_BYTE = 3;
const T_DOUBLE = 4;
const T_I16 = 6;
const T_I32 = 8;
const T_I64 = 10;
const T_STRING = 11;
const T_STRUCT = 12;
const T_MAP = 13;
const T_SET = 14;
const T_LIST = 15;
const T_UUID = 16;

const VERSION_1: i32 = 0x80010000;
const VERSION_MASK: i32 = 0xffff0000;

export class BinaryProtocol extends ThriftProtocol {
  readHeader(c: ByteCursor, h: ThriftHeader): bool {
    const first = c.i32();
    if (c.failed) return false;
    if (first < 0) {
      if ((first & VERSION_MASK) != VERSION_1) return c.fail();
      h.type = first & 0xff;
      const name = c.string(c.i32());
      if (name === null) return false;
      h.name = name;
    } else {
      // Non-strict: the name length comes first, then the name and a type byte.
      const name = c.string(first);
      if (name === null) return false;
      h.name = name;
      h.type = c.u8();
    }
    h.seqId = c.i32();
    return !c.failed;
  }

  firstFieldId(c: ByteCursor): i32 {
    const type = c.u8();
    if (type <= T_STOP) return -1;
    return c.i16();
  }

  skipStruct(c: ByteCursor, depth: i32): bool {
    if (depth > MAX_DEPTH) return c.fail();
    while (true) {
      const type = c.u8();
      if (type < 0) return false;
      if (type == T_STOP) return true;
      c.i16();
      if (!this.skip(c, type, depth + 1)) return false;
    }
    return false;
  }

  private skip(c: ByteCursor, type: i32, depth: i32): bool {
    switch (type) {
      case T_BOOL:
      case T_BYTE:
        return c.skip(1);
      case T_I16:
        return c.skip(2);
      case T_I32:
        return c.skip(4);
      case T_DOUBLE:
      case T_I64:
        return c.skip(8);
      case T_UUID:
        return c.skip(16);
      case T_STRING: {
        const n = c.i32();
        return !c.failed && c.skip(n);
      }
      case T_STRUCT:
        return this.skipStruct(c, depth);
      case T_MAP: {
        const k = c.u8();
        const v = c.u8();
        const n = c.i32();
        if (c.failed) return false;
        if (n < 0 || n > c.limit) return c.fail();
        for (let i = 0; i < n; i++) if (!this.skip(c, k, depth + 1) || !this.skip(c, v, depth + 1)) return false;
        return true;
      }
      case T_SET:
      case T_LIST: {
        const e = c.u8();
        const n = c.i32();
        if (c.failed) return false;
        if (n < 0 || n > c.limit) return c.fail();
        for (let i = 0; i < n; i++) if (!this.skip(c, e, depth + 1)) return false;
        return true;
      }
      default:
        return c.fail();
    }
  }

  writeHeader(out: ThriftWriter, name: string, type: i32, seqId: i32): void {
    const n = out.utf8(name);
    out.i32(VERSION_1 | type);
    out.i32(n.length);
    out.raw(n);
    out.i32(seqId);
  }

  writeApplicationException(out: ThriftWriter, message: string, type: i32): void {
    const m = out.utf8(message);
    out.u8(T_STRING);
    out.i16(1);
    out.i32(m.length);
    out.raw(m);
    out.u8(T_I32);
    out.i16(2);
    out.i32(type);
    out.u8(T_STOP);
  }
}

// Compact protocol type ids.
const C_TRUE = 1;
const C_FALSE = 2;
const C_BYTE = 3;
const C_I16 = 4;
const C_I32 = 5;
const C_I64 = 6;
const C_DOUBLE = 7;
const C_BINARY = 8;
const C_LIST = 9;
const C_SET = 10;
const C_MAP = 11;
const C_STRUCT = 12;
const C_UUID = 13;

const COMPACT_ID: i32 = 0x82;
const COMPACT_VERSION: i32 = 1;

export class CompactProtocol extends ThriftProtocol {
  readHeader(c: ByteCursor, h: ThriftHeader): bool {
    if (c.u8() != COMPACT_ID) return c.failed ? false : c.fail();
    const versionAndType = c.u8();
    if (c.failed) return false;
    if ((versionAndType & 0x1f) != COMPACT_VERSION) return c.fail();
    h.type = (versionAndType >> 5) & 0x07;
    h.seqId = <i32>c.varint();
    const length = c.varint();
    if (c.failed) return false;
    const name = c.string(<i64>length);
    if (name === null) return false;
    h.name = name;
    return true;
  }

  firstFieldId(c: ByteCursor): i32 {
    const header = c.u8();
    if (header <= 0) return -1;
    const delta = header >> 4;
    return delta != 0 ? delta : zigzag(<u32>c.varint());
  }

  skipStruct(c: ByteCursor, depth: i32): bool {
    if (depth > MAX_DEPTH) return c.fail();
    while (true) {
      const header = c.u8();
      if (header < 0) return false;
      if (header == 0) return true;
      if ((header >> 4) == 0) c.varint(); // a field id that does not fit the delta
      const type = header & 0x0f;
      if (type == C_TRUE || type == C_FALSE) continue; // booleans live in the field header
      if (!this.skip(c, type, depth + 1)) return false;
    }
    return false;
  }

  private skip(c: ByteCursor, type: i32, depth: i32): bool {
    switch (type) {
      case C_TRUE:
      case C_FALSE:
      case C_BYTE:
        return c.skip(1);
      case C_I16:
      case C_I32:
      case C_I64:
        c.varint();
        return !c.failed;
      case C_DOUBLE:
        return c.skip(8);
      case C_UUID:
        return c.skip(16);
      case C_BINARY: {
        const n = c.varint();
        return !c.failed && c.skip(<i64>n);
      }
      case C_STRUCT:
        return this.skipStruct(c, depth);
      case C_LIST:
      case C_SET: {
        const header = c.u8();
        let n: u64 = <u64>(header >> 4);
        if (n == 15) n = c.varint();
        if (c.failed) return false;
        if (n > <u64>c.limit) return c.fail();
        const e = header & 0x0f;
        for (let i: u64 = 0; i < n; i++) if (!this.skip(c, e, depth + 1)) return false;
        return true;
      }
      case C_MAP: {
        const n = c.varint();
        if (c.failed) return false;
        if (n == 0) return true;
        if (n > <u64>c.limit) return c.fail();
        const kv = c.u8();
        if (c.failed) return false; // cut between the size and the types: more bytes are needed
        for (let i: u64 = 0; i < n; i++) {
          if (!this.skip(c, kv >> 4, depth + 1) || !this.skip(c, kv & 0x0f, depth + 1)) return false;
        }
        return true;
      }
      default:
        return c.fail();
    }
  }

  writeHeader(out: ThriftWriter, name: string, type: i32, seqId: i32): void {
    const n = out.utf8(name);
    out.u8(COMPACT_ID);
    out.u8((type << 5) | COMPACT_VERSION);
    out.varint(<u32>seqId);
    out.varint(n.length);
    out.raw(n);
  }

  writeApplicationException(out: ThriftWriter, message: string, type: i32): void {
    const m = out.utf8(message);
    out.u8((1 << 4) | C_BINARY);
    out.varint(m.length);
    out.raw(m);
    out.u8((1 << 4) | C_I32);
    out.varint(<u32>((type << 1) ^ (type >> 31)));
    out.u8(0);
  }
}

function zigzag(n: u32): i32 {
  return <i32>(n >>> 1) ^ -<i32>(n & 1);
}
