// Hessian 2.0 serialization (http://hessian.caucho.com/doc/hessian-serialization.html), the part a
// proxy needs: read strings, skip any value without building it, write strings and string maps.
// The reader pulls bytes from a FrameInput through a window that starts small and doubles only
// when a value does not fit, so a request is decoded from its first few hundred bytes.
import { FrameInput } from "../meta/input";

/** Nesting a skipped value may have before we give up (keeps the VM stack bounded). */
const MAX_DEPTH: i32 = 64;
const EMPTY = new Uint8Array(0);

export class HessianReader {
  /** Offset (from the frame start) of the next byte to read. */
  pos: i32;
  /** Set by any read past `end` or any malformed value; every later read then fails too. */
  failed: bool = false;
  private window: Uint8Array = EMPTY;
  private windowStart: i32 = 0;
  /** Field counts of the class definitions seen so far, in order ('C' ... 'O' refers to them). */
  private classFields: i32[] = [];

  constructor(private input: FrameInput, start: i32, private end: i32, private minWindow: i32 = 256) {
    this.pos = start;
  }

  /** Reads another frame with the same object (a codec keeps one: no allocation per message). */
  reset(input: FrameInput, start: i32, end: i32, minWindow: i32): void {
    this.input = input;
    this.pos = start;
    this.end = end;
    this.minWindow = minWindow;
    this.failed = false;
    this.windowStart = 0;
    this.window = EMPTY;
    if (this.classFields.length > 0) this.classFields.length = 0;
  }

  /** Makes frame bytes [from, from + n) addressable in the window; false (and failed) beyond `end`. */
  private cover(from: i32, n: i32): bool {
    if (this.failed) return false;
    if (from < 0 || n < 0 || from > this.end - n) {
      this.failed = true;
      return false;
    }
    const offset = from - this.windowStart;
    if (offset >= 0 && offset <= this.window.length - n) return true;
    let size = max<i64>(<i64>n, max<i64>(<i64>this.minWindow, (<i64>this.window.length) << 1));
    size = min<i64>(size, <i64>(this.end - from));
    this.window = this.input.bytes(from, <i32>size);
    this.windowStart = from;
    return true;
  }

  private at(abs: i32): i32 {
    return <i32>unchecked(this.window[abs - this.windowStart]);
  }

  get atEnd(): bool {
    return this.pos >= this.end;
  }

  /** The next byte without consuming it, or -1. */
  peek(): i32 {
    if (!this.cover(this.pos, 1)) return -1;
    return this.at(this.pos);
  }

  byte(): i32 {
    if (!this.cover(this.pos, 1)) return -1;
    return this.at(this.pos++);
  }

  /** Big-endian unsigned integer of `n` (<= 4) bytes, or -1. */
  private uint(n: i32): i64 {
    if (!this.cover(this.pos, n)) return -1;
    let v: i64 = 0;
    for (let i = 0; i < n; i++) v = (v << 8) | <i64>this.at(this.pos + i);
    this.pos += n;
    return v;
  }

  skip(n: i32): bool {
    if (!this.cover(this.pos, n)) return false;
    this.pos += n;
    return true;
  }

  fail(): bool {
    this.failed = true;
    return false;
  }

  /**
   * A string value (all compact and chunked forms); hessian null reads as "". Returns null when
   * the bytes are not a string. With `decode` false the string is only skipped (returns "").
   */
  readString(decode: bool = true): string | null {
    let out = "";
    let first = true;
    while (true) {
      const tag = this.byte();
      if (tag < 0) return null;
      let chars: i64;
      let final = true;
      if (tag <= 0x1f) {
        chars = tag;
      } else if (tag >= 0x30 && tag <= 0x33) {
        const low = this.byte();
        if (low < 0) return null;
        chars = ((tag - 0x30) << 8) | low;
      } else if (tag == 0x53 || tag == 0x52) {
        chars = this.uint(2);
        final = tag == 0x53;
      } else if (tag == 0x4e && first) {
        return "";
      } else {
        this.failed = true;
        return null;
      }
      if (chars < 0) return null;
      const part = this.utf8Chars(<i32>chars, decode);
      if (part === null) return null;
      if (decode) out = first ? part : out + part;
      if (final) return out;
      first = false;
    }
    return null;
  }

  /**
   * Consumes `chars` UTF-16 units of UTF-8 text (a 4-byte sequence counts as two). Walks the
   * window's memory directly: this loop runs once per character of every string a request head
   * carries, so it makes no calls (each would cost a shadow-stack frame in AssemblyScript).
   */
  private utf8Chars(chars: i32, decode: bool): string | null {
    const start = this.pos;
    let p = start;
    let left = chars;
    // Every character takes at least one byte: make that much addressable at once.
    let need = left;
    while (left > 0) {
      if (!this.cover(start, p - start + need)) return null;
      const base = this.window.dataStart - <usize>this.windowStart;
      const windowEnd = this.windowStart + this.window.length;
      need = left;
      while (left > 0) {
        const lead = <i32>load<u8>(base + <usize>p);
        let n = 1;
        if (lead >= 0x80) {
          if (lead >= 0xf8) return this.malformed();
          else if (lead >= 0xf0) n = 4;
          else if (lead >= 0xe0) n = 3;
          else if (lead >= 0xc0) n = 2;
          else return this.malformed();
        }
        if (p + n > windowEnd) {
          need = n + left - 1;
          break;
        }
        p += n;
        left -= n == 4 ? 2 : 1;
      }
    }
    this.pos = p;
    if (!decode) return "";
    return String.UTF8.decodeUnsafe(this.window.dataStart + <usize>(start - this.windowStart), <usize>(p - start));
  }

  private malformed(): string | null {
    this.failed = true;
    return null;
  }

  /** An int value (compact forms and 'I'); -1 with `failed` set when it is not one. */
  readInt(): i64 {
    const tag = this.byte();
    if (tag < 0) return -1;
    if (tag >= 0x80 && tag <= 0xbf) return tag - 0x90;
    if (tag >= 0xc0 && tag <= 0xcf) {
      const b = this.uint(1);
      return b < 0 ? -1 : (<i64>(tag - 0xc8) << 8) | b;
    }
    if (tag >= 0xd0 && tag <= 0xd7) {
      const b = this.uint(2);
      return b < 0 ? -1 : (<i64>(tag - 0xd4) << 16) | b;
    }
    if (tag == 0x49) {
      const b = this.uint(4);
      return b < 0 ? -1 : <i64>(<i32>b);
    }
    this.failed = true;
    return -1;
  }

  /** Is `tag` the first byte of a string value? */
  static isStringTag(tag: i32): bool {
    return (tag >= 0 && tag <= 0x1f) || (tag >= 0x30 && tag <= 0x33) || tag == 0x52 || tag == 0x53;
  }

  /** A list or map type: a string, or an int referring to an earlier type. */
  private skipType(): bool {
    const tag = this.peek();
    if (HessianReader.isStringTag(tag)) return this.readString(false) !== null;
    return this.readInt() >= 0;
  }

  /** A count read as an int, checked against the bytes left (every element takes at least one). */
  private readCount(): i32 {
    const n = this.readInt();
    if (n < 0 || n > <i64>(this.end - this.pos)) {
      this.failed = true;
      return -1;
    }
    return <i32>n;
  }

  /** Skips one value of any type. False (and `failed`) when it is malformed or runs past the end. */
  skipValue(depth: i32 = 0): bool {
    if (depth > MAX_DEPTH) return this.fail();
    const tag = this.peek();
    if (tag < 0) return false;
    if (HessianReader.isStringTag(tag)) return this.readString(false) !== null;
    this.pos++;
    if (tag >= 0x80 && tag <= 0xbf) return true; // int, one byte
    if (tag >= 0xc0 && tag <= 0xcf) return this.skip(1); // int, two bytes
    if (tag >= 0xd0 && tag <= 0xd7) return this.skip(2); // int, three bytes
    if (tag >= 0xd8 && tag <= 0xef) return true; // long, one byte
    if (tag >= 0xf0) return this.skip(1); // long, two bytes
    if (tag >= 0x38 && tag <= 0x3f) return this.skip(2); // long, three bytes
    if (tag >= 0x20 && tag <= 0x2f) return this.skip(tag - 0x20); // short binary
    if (tag >= 0x34 && tag <= 0x37) {
      const low = this.byte();
      return low >= 0 && this.skip(((tag - 0x34) << 8) | low);
    }
    if (tag >= 0x60 && tag <= 0x6f) return this.skipFields(tag - 0x60, depth);
    if (tag >= 0x70 && tag <= 0x77) return this.skipType() && this.skipValues(tag - 0x70, depth);
    if (tag >= 0x78 && tag <= 0x7f) return this.skipValues(tag - 0x78, depth);
    switch (tag) {
      case 0x4e: // N null
      case 0x54: // T
      case 0x46: // F
      case 0x5b: // double 0.0
      case 0x5c: // double 1.0
        return true;
      case 0x5d: return this.skip(1); // double as byte
      case 0x5e: return this.skip(2); // double as short
      case 0x5f: return this.skip(4); // double as float
      case 0x44: return this.skip(8); // D double
      case 0x4a: return this.skip(8); // date in ms
      case 0x4b: return this.skip(4); // date in minutes
      case 0x4c: return this.skip(8); // L long
      case 0x49: return this.skip(4); // I int
      case 0x59: return this.skip(4); // long as int
      case 0x51: return this.readInt() >= 0; // Q reference to an earlier value
      case 0x41: // A binary chunk, more follow
      case 0x42: { // B final binary chunk
        // Chunks follow one another (hessian.js writes 4 KB ones): a loop, not nesting, so a
        // large binary value is not mistaken for deep nesting.
        let chunk = tag;
        while (true) {
          const n = this.uint(2);
          if (n < 0 || !this.skip(<i32>n)) return false;
          if (chunk == 0x42) return true;
          chunk = this.peek();
          if (chunk != 0x41 && chunk != 0x42) return this.skipValue(depth); // the final chunk in a compact form
          this.pos++;
        }
      }
      case 0x43: { // C class definition, then the value that uses it
        if (this.readString(false) === null) return false;
        const fields = this.readCount();
        if (fields < 0) return false;
        for (let i = 0; i < fields; i++) if (this.readString(false) === null) return false;
        this.classFields.push(fields);
        return this.skipValue(depth + 1);
      }
      case 0x4f: { // O object of a defined class
        const ref = this.readInt();
        if (ref < 0 || ref > <i64>i32.MAX_VALUE) return this.fail();
        return this.skipFields(<i32>ref, depth);
      }
      case 0x48: return this.skipUntilEnd(2, depth); // H untyped map
      case 0x4d: return this.skipType() && this.skipUntilEnd(2, depth); // M typed map
      case 0x55: return this.skipType() && this.skipUntilEnd(1, depth); // variable typed list
      case 0x57: return this.skipUntilEnd(1, depth); // variable untyped list
      case 0x56: { // fixed typed list
        if (!this.skipType()) return false;
        const n = this.readCount();
        return n >= 0 && this.skipValues(n, depth);
      }
      case 0x58: { // fixed untyped list
        const n = this.readCount();
        return n >= 0 && this.skipValues(n, depth);
      }
    }
    return this.fail(); // reserved tags, and 'Z' outside a list or map
  }

  private skipFields(classRef: i32, depth: i32): bool {
    if (classRef >= this.classFields.length) return this.fail();
    return this.skipValues(this.classFields[classRef], depth);
  }

  private skipValues(n: i32, depth: i32): bool {
    for (let i = 0; i < n; i++) if (!this.skipValue(depth + 1)) return false;
    return true;
  }

  /** Skips groups of `perEntry` values until the 'Z' end marker, which it consumes. */
  private skipUntilEnd(perEntry: i32, depth: i32): bool {
    while (true) {
      const tag = this.peek();
      if (tag < 0) return false;
      if (tag == 0x5a) {
        this.pos++;
        return true;
      }
      if (!this.skipValues(perEntry, depth)) return false;
    }
  }
}

/** A growable byte buffer with the writes a Dubbo frame needs. */
export class HessianWriter {
  private buf: Uint8Array;
  length: i32 = 0;

  constructor(capacity: i32 = 256) {
    this.buf = new Uint8Array(max(capacity, 16));
  }

  private reserve(n: i32): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length << 1;
    while (size < this.length + n) size <<= 1;
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.length));
    this.buf = grown;
  }

  byte(b: i32): void {
    this.reserve(1);
    unchecked((this.buf[this.length++] = <u8>b));
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }

  u16(v: u32): void {
    this.byte(<i32>(v >> 8) & 0xff);
    this.byte(<i32>v & 0xff);
  }

  u32(v: u32): void {
    this.u16(v >> 16);
    this.u16(v & 0xffff);
  }

  u64(v: u64): void {
    this.u32(<u32>(v >> 32));
    this.u32(<u32>v);
  }

  /** Overwrites 4 bytes at `at` (a length written before the data it counts). */
  patchU32(at: i32, v: u32): void {
    this.buf[at] = <u8>(v >> 24);
    this.buf[at + 1] = <u8>(v >> 16);
    this.buf[at + 2] = <u8>(v >> 8);
    this.buf[at + 3] = <u8>v;
  }

  /**
   * A hessian string: UTF-16 units written one by one as UTF-8 (surrogates as 3-byte sequences,
   * as Java's Hessian2Output does), in chunks of at most 0x8000 units.
   */
  string(s: string): void {
    let from = 0;
    const total = s.length;
    while (total - from > 0x8000) {
      this.byte(0x52);
      this.u16(0x8000);
      this.chars(s, from, from + 0x8000);
      from += 0x8000;
    }
    const n = total - from;
    if (n <= 0x1f) {
      this.byte(n);
    } else if (n <= 0x3ff) {
      this.byte(0x30 + (n >> 8));
      this.byte(n & 0xff);
    } else {
      this.byte(0x53);
      this.u16(<u32>n);
    }
    this.chars(s, from, total);
  }

  private chars(s: string, from: i32, to: i32): void {
    for (let i = from; i < to; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        this.byte(c);
      } else if (c < 0x800) {
        this.byte(0xc0 | (c >> 6));
        this.byte(0x80 | (c & 0x3f));
      } else {
        this.byte(0xe0 | (c >> 12));
        this.byte(0x80 | ((c >> 6) & 0x3f));
        this.byte(0x80 | (c & 0x3f));
      }
    }
  }

  /** The bytes written so far (a copy). */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
