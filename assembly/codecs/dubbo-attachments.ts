// Dubbo attachments maps, rewritten with a mutation applied. A request carries its map after the
// arguments (dubbo.ts walks to it); an OK hessian2 response carries one after its result when the
// result kind says so (Apache Dubbo DubboCodec.encodeResponseData / DecodeableRpcResult):
//   body = int kind, then the value (absent for the null kinds), then a map for kinds 3, 4, 5.
import { MemoryInput } from "../meta/input";
import { Mutation } from "../meta/mutation";
import { HessianReader, HessianWriter } from "./hessian2";

/** Result kinds, the first value of an OK response body (DubboCodec.RESPONSE_*). */
export const RESPONSE_WITH_EXCEPTION: i32 = 0;
export const RESPONSE_VALUE: i32 = 1;
export const RESPONSE_NULL_VALUE: i32 = 2;
export const RESPONSE_WITH_EXCEPTION_WITH_ATTACHMENTS: i32 = 3;
export const RESPONSE_VALUE_WITH_ATTACHMENTS: i32 = 4;
export const RESPONSE_NULL_VALUE_WITH_ATTACHMENTS: i32 = 5;
/** A kind plus this is the same result with attachments (0 -> 3, 1 -> 4, 2 -> 5). */
const WITH_ATTACHMENTS: i32 = 3;

const TAG_NULL: i32 = 0x4e;
const TAG_UNTYPED_MAP: i32 = 0x48;
const TAG_TYPED_MAP: i32 = 0x4d;
const TAG_END: i32 = 0x5a;
/** Compact hessian int: 0x90 + v for v in -16..47. */
const COMPACT_INT_ZERO: i32 = 0x90;

/** Starts an attachments map ('H', or 'M' with its type); true when one begins at the reader. */
export function openMap(reader: HessianReader): bool {
  const tag = reader.byte();
  if (tag == TAG_UNTYPED_MAP) return true;
  if (tag != TAG_TYPED_MAP) return false;
  const typeTag = reader.peek();
  if (HessianReader.isStringTag(typeTag)) return reader.readString(false) !== null;
  return reader.readInt() >= 0;
}

/**
 * Writes the attachments map that starts at `reader` (in `frame`) to `out` with `mutation`
 * applied: keys in `mutation` replace the old value or are added at the end; every other entry is
 * copied byte for byte. A null or absent map (reader at its end) becomes a new untyped one. Leaves
 * the reader after the old map. False when the map cannot be walked.
 */
export function writeMutatedMap(frame: Uint8Array, reader: HessianReader, out: HessianWriter, mutation: Mutation): bool {
  if (reader.atEnd || reader.peek() == TAG_NULL) {
    if (!reader.atEnd) reader.pos++;
    writeNewMap(out, mutation);
    return true;
  }
  const mapStart = reader.pos;
  if (!openMap(reader)) return false;
  out.bytes(frame.subarray(mapStart, reader.pos));
  const written = new Array<bool>(mutation.size);
  while (true) {
    const tag = reader.peek();
    if (tag < 0) return false;
    if (tag == TAG_END) {
      reader.pos++;
      break;
    }
    const keyStart = reader.pos;
    let key: string | null = null;
    if (HessianReader.isStringTag(tag)) key = reader.readString();
    else reader.skipValue();
    const valueStart = reader.pos;
    if (reader.failed || !reader.skipValue()) return false;
    const i = key !== null ? mutation.keys.indexOf(key) : -1;
    if (i >= 0) {
      out.bytes(frame.subarray(keyStart, valueStart));
      out.string(mutation.values[i]);
      written[i] = true;
    } else {
      out.bytes(frame.subarray(keyStart, reader.pos));
    }
  }
  writeEntries(out, mutation, written);
  out.byte(TAG_END);
  return true;
}

/** An untyped map holding exactly the mutation's keys. */
function writeNewMap(out: HessianWriter, mutation: Mutation): void {
  out.byte(TAG_UNTYPED_MAP);
  writeEntries(out, mutation, new Array<bool>(mutation.size));
  out.byte(TAG_END);
}

/** The mutation's entries not `written` yet, as string keys and values. */
function writeEntries(out: HessianWriter, mutation: Mutation, written: bool[]): void {
  for (let i = 0; i < mutation.size; i++) {
    if (written[i]) continue;
    out.string(mutation.keys[i]);
    out.string(mutation.values[i]);
  }
}

/**
 * The OK hessian2 response `frame` (body from `bodyStart`) with its attachments carrying
 * `mutation`: a result without attachments gets the matching *_WITH_ATTACHMENTS kind and a new map
 * after its value; one with attachments gets its map rewritten. The body length at offset 12 is
 * patched. Null when the body cannot be walked or its kind is unknown.
 */
export function withResponseAttachments(frame: Uint8Array, bodyStart: i32, mutation: Mutation): Uint8Array | null {
  const reader = new HessianReader(new MemoryInput(frame), bodyStart, frame.length, frame.length);
  const kind = reader.readInt();
  if (reader.failed || kind < RESPONSE_WITH_EXCEPTION || kind > RESPONSE_NULL_VALUE_WITH_ATTACHMENTS) return null;
  const valueStart = reader.pos;
  const hasValue = kind != RESPONSE_NULL_VALUE && kind != RESPONSE_NULL_VALUE_WITH_ATTACHMENTS;
  if (hasValue && !reader.skipValue()) return null;
  const valueEnd = reader.pos;

  const out = new HessianWriter(frame.length + 64 * (mutation.size + 1));
  out.bytes(frame.subarray(0, bodyStart));
  const hadMap = kind >= WITH_ATTACHMENTS;
  // Written in its one-byte form whatever form it came in: every kind fits.
  out.byte(COMPACT_INT_ZERO + (hadMap ? <i32>kind : <i32>kind + WITH_ATTACHMENTS));
  out.bytes(frame.subarray(valueStart, valueEnd));
  if (hadMap) {
    if (!writeMutatedMap(frame, reader, out, mutation)) return null;
  } else {
    writeNewMap(out, mutation);
  }
  out.bytes(frame.subarray(reader.pos, frame.length));
  out.patchU32(12, <u32>(out.length - bodyStart));
  return out.toBytes();
}
