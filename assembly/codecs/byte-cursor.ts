// Reading a frame front to back through a FrameInput, for codecs whose fields are walked in order
// (Thrift, bRPC's protobuf meta). Bytes come through a window fetched from the input only when a
// read leaves it; skipped data is never fetched. A read past `limit` sets `short` (more bytes
// are needed, or the frame is truncated: the caller knows which); malformed input sets `bad`.
import { FrameInput } from "../meta/input";

const EMPTY = new Uint8Array(0);
const MIN_WINDOW: i32 = 256;

export class ByteCursor {
  input: FrameInput | null = null;
  pos: i32 = 0;
  /** Bytes readable from the frame start: the buffered bytes or the frame's end, whichever is first. */
  limit: i32 = 0;
  short: bool = false;
  bad: bool = false;
  private window: Uint8Array = EMPTY;
  private windowStart: i32 = 0;

  reset(input: FrameInput, pos: i32, limit: i32): void {
    this.input = input;
    this.pos = pos;
    this.limit = limit;
    this.short = false;
    this.bad = false;
    this.window = EMPTY;
    this.windowStart = 0;
  }

  get failed(): bool {
    return this.short || this.bad;
  }

  fail(): bool {
    this.bad = true;
    return false;
  }

  private cover(n: i32): bool {
    if (this.short || this.bad) return false;
    if (n < 0 || this.pos > this.limit - n) {
      this.short = true;
      return false;
    }
    const offset = this.pos - this.windowStart;
    if (offset >= 0 && offset <= this.window.length - n) return true;
    const room = this.limit - this.pos;
    const size = n > MIN_WINDOW ? n : room < MIN_WINDOW ? room : MIN_WINDOW;
    this.window = this.input!.bytes(this.pos, size);
    this.windowStart = this.pos;
    return true;
  }

  private at(i: i32): i32 {
    return <i32>unchecked(this.window[this.pos - this.windowStart + i]);
  }

  u8(): i32 {
    if (!this.cover(1)) return -1;
    const v = this.at(0);
    this.pos += 1;
    return v;
  }

  i16(): i32 {
    if (!this.cover(2)) return 0;
    const v = <i32>(<i16>((this.at(0) << 8) | this.at(1)));
    this.pos += 2;
    return v;
  }

  i32(): i32 {
    if (!this.cover(4)) return 0;
    const v = (this.at(0) << 24) | (this.at(1) << 16) | (this.at(2) << 8) | this.at(3);
    this.pos += 4;
    return v;
  }

  /** An unsigned LEB128 varint of at most 10 bytes (protobuf, Thrift compact). */
  varint(): u64 {
    let v: u64 = 0;
    for (let shift: u64 = 0; shift < 70; shift += 7) {
      const b = this.u8();
      if (b < 0) return 0;
      v |= (<u64>(b & 0x7f)) << shift;
      if ((b & 0x80) == 0) return v;
    }
    this.bad = true;
    return 0;
  }

  /** Moves past `n` bytes without fetching them. */
  skip(n: i64): bool {
    if (this.short || this.bad) return false;
    if (n < 0) return this.fail();
    if (<i64>this.pos + n > <i64>this.limit) {
      this.short = true;
      return false;
    }
    this.pos += <i32>n;
    return true;
  }

  /** `n` bytes as UTF-8 text, or null. */
  string(n: i64): string | null {
    if (n < 0) {
      this.bad = true;
      return null;
    }
    if (!this.cover(<i32>n) || n > 0x7fffffff) return null;
    const start = this.pos - this.windowStart;
    this.pos += <i32>n;
    return String.UTF8.decodeUnsafe(this.window.dataStart + <usize>start, <usize>n);
  }
}
