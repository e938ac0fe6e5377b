// The protobuf wire format, as much as a codec reading a meta message needs: skip a field of any
// wire type through a ByteCursor, and write varint / length-delimited fields or copy raw ones.
import { ByteCursor } from "./byte-cursor";

export const WIRE_VARINT: u32 = 0;
export const WIRE_I64: u32 = 1;
export const WIRE_LEN: u32 = 2;
export const WIRE_I32: u32 = 5;

/**
 * A field's tag: field number << 3 | wire type. Field number 0 and tags beyond 32 bits are
 * malformed (protobuf's parsers refuse them), which sets the cursor's `bad`.
 */
export function readTag(c: ByteCursor): u32 {
  const tag = c.varint();
  if (tag >>> 3 == 0 || tag > 0xffffffff) c.fail();
  return <u32>tag;
}

/** Skips a field's value; false on a wire type protobuf no longer uses (groups) or a short read. */
export function skipField(c: ByteCursor, wire: u32): bool {
  switch (wire) {
    case WIRE_VARINT:
      c.varint();
      return !c.failed;
    case WIRE_I64:
      return c.skip(8);
    case WIRE_LEN: {
      const n = c.varint();
      return !c.failed && n <= 0x7fffffff && c.skip(<i64>n);
    }
    case WIRE_I32:
      return c.skip(4);
    default:
      return c.fail();
  }
}

export class ProtobufWriter {
  private bytes: u8[] = [];

  private varint(v: u64): void {
    while (v >= 0x80) {
      this.bytes.push(<u8>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    this.bytes.push(<u8>v);
  }

  varintField(field: u32, v: u64): void {
    this.varint((<u64>field << 3) | WIRE_VARINT);
    this.varint(v);
  }

  bytesField(field: u32, data: Uint8Array): void {
    this.varint((<u64>field << 3) | WIRE_LEN);
    this.varint(<u64>data.length);
    for (let i = 0; i < data.length; i++) this.bytes.push(data[i]);
  }

  stringField(field: u32, text: string): void {
    this.bytesField(field, Uint8Array.wrap(String.UTF8.encode(text)));
  }

  /** Bytes already in wire format (a field copied unchanged from another message). */
  raw(data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) this.bytes.push(data[i]);
  }

  toBytes(): Uint8Array {
    const out = new Uint8Array(this.bytes.length);
    for (let i = 0; i < this.bytes.length; i++) out[i] = this.bytes[i];
    return out;
  }
}
