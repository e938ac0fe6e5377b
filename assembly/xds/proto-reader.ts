// Reading a protobuf message held whole in guest memory (an xDS response, a resource inside it),
// on the module's ByteCursor and skipField. A nested message is read up to its end offset: every
// length is checked against the end of the message that holds it, and a message is whole only when
// its last field ends exactly at its end. Malformed input leaves the reader failed, never traps.
import { ByteCursor } from "../codecs/byte-cursor";
import { readTag, skipField } from "../codecs/protobuf";
import { MemoryInput } from "../meta/input";

export class ProtoReader {
  private c: ByteCursor = new ByteCursor();
  /** The field number and wire type of the tag `next` read. */
  field: u32 = 0;
  wire: u32 = 0;

  constructor(private data: Uint8Array) {
    this.c.reset(new MemoryInput(data), 0, data.length);
  }

  get pos(): i32 {
    return this.c.pos;
  }

  get size(): i32 {
    return this.data.length;
  }

  get failed(): bool {
    return this.c.failed;
  }

  /** Reads the next tag of a message ending at `end`; false at its end or when malformed. */
  next(end: i32): bool {
    if (this.c.failed || this.c.pos >= end) return false;
    const tag = readTag(this.c);
    if (this.c.failed) return false;
    this.field = tag >>> 3;
    this.wire = tag & 7;
    return true;
  }

  /** True when the tag just read is `field` with wire type `wire` (else it is skipped as unknown). */
  is(field: u32, wire: u32): bool {
    return this.field == field && this.wire == wire;
  }

  /** Skips the value of the tag just read. */
  skip(): bool {
    return skipField(this.c, this.wire);
  }

  /** True when the message ending at `end` was read whole. */
  ended(end: i32): bool {
    return !this.c.failed && this.c.pos == end;
  }

  varint(): u64 {
    return this.c.varint();
  }

  /**
   * Reads the length of a length-delimited value and returns where the value ends, or -1 when the
   * value would run past `end` (the end of the message holding it).
   */
  lengthEnd(end: i32): i32 {
    const n = this.c.varint();
    if (this.c.failed) return -1;
    if (n > <u64>(end - this.c.pos)) {
      this.c.fail();
      return -1;
    }
    return this.c.pos + <i32>n;
  }

  /** A length-delimited value as UTF-8 text, or null when malformed. */
  string(end: i32): string | null {
    const stop = this.lengthEnd(end);
    if (stop < 0) return null;
    return this.c.string(<i64>(stop - this.c.pos));
  }

  /** A length-delimited value as a copy of its bytes, or null when malformed. */
  bytes(end: i32): Uint8Array | null {
    const stop = this.lengthEnd(end);
    if (stop < 0) return null;
    const out = this.data.slice(this.c.pos, stop);
    this.c.skip(<i64>(stop - this.c.pos));
    return out;
  }
}
