// baidu_std frames written by the module, and RpcMeta's user_fields (map<string, string> = 9,
// brpc's free-form request headers): reading one entry, and rewriting the meta with a mutation's
// keys set while every other field is copied byte for byte.
import { MemoryInput } from "../meta/input";
import { Mutation } from "../meta/mutation";
import { writeU32 } from "./big-endian";
import { ByteCursor } from "./byte-cursor";
import { ProtobufWriter, readTag, skipField, WIRE_LEN } from "./protobuf";

export const BRPC_HEADER_SIZE: i32 = 12;
export const BRPC_MAGIC: u32 = 0x50525043; // "PRPC"
export const META_USER_FIELDS: u32 = 9;
const ENTRY_KEY: u32 = 1;
const ENTRY_VALUE: u32 = 2;

/** One map<string, string> entry; a decoder keeps one and reads every entry into it. */
export class MapEntry {
  key: string = "";
  value: string = "";
}

/** Reads the map<string, string> entry ending at `end` into `entry`; false when malformed. */
export function readMapEntry(c: ByteCursor, end: i32, entry: MapEntry): bool {
  let k = "";
  let v = "";
  while (c.pos < end) {
    const tag = readTag(c);
    const field = tag >>> 3;
    const wire = tag & 7;
    if ((field == ENTRY_KEY || field == ENTRY_VALUE) && wire == WIRE_LEN) {
      const text = c.string(<i64>c.varint());
      if (text === null) return false;
      if (field == ENTRY_KEY) k = text;
      else v = text;
    } else if (!skipField(c, wire)) {
      return false;
    }
  }
  entry.key = k;
  entry.value = v;
  return !c.failed && c.pos == end;
}

/**
 * `meta` (an encoded RpcMeta) with each key of `mutation` set in user_fields: entries with those
 * keys are dropped and the new ones appended, every other field is kept as it was. Null when
 * `meta` is malformed (the decoder has read it already, so this does not happen in practice).
 */
export function metaWithUserFields(c: ByteCursor, meta: Uint8Array, mutation: Mutation): Uint8Array | null {
  const out = new ProtobufWriter();
  const entry = new MapEntry();
  c.reset(new MemoryInput(meta), 0, meta.length);
  while (c.pos < meta.length) {
    const start = c.pos;
    const tag = readTag(c);
    if (c.failed) return null;
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field == META_USER_FIELDS && wire == WIRE_LEN) {
      const size = c.varint();
      if (c.failed || size > <u64>(meta.length - c.pos)) return null;
      if (!readMapEntry(c, c.pos + <i32>size, entry)) return null;
      if (mutation.keys.includes(entry.key)) continue;
    } else if (!skipField(c, wire)) {
      return null;
    }
    out.raw(meta.subarray(start, c.pos));
  }
  for (let i = 0; i < mutation.size; i++) {
    const written = new ProtobufWriter();
    written.stringField(ENTRY_KEY, mutation.keys[i]);
    written.stringField(ENTRY_VALUE, mutation.values[i]);
    out.bytesField(META_USER_FIELDS, written.toBytes());
  }
  return out.toBytes();
}

/** A frame of `meta` followed by `rest` (payload and attachment). */
export function frameWithMeta(meta: Uint8Array, rest: Uint8Array): Uint8Array {
  const out = new Uint8Array(BRPC_HEADER_SIZE + meta.length + rest.length);
  writeU32(out, 0, BRPC_MAGIC);
  writeU32(out, 4, <u32>(meta.length + rest.length));
  writeU32(out, 8, <u32>meta.length);
  out.set(meta, BRPC_HEADER_SIZE);
  out.set(rest, BRPC_HEADER_SIZE + meta.length);
  return out;
}
