// The codec of "KV-RPC", a small private binary RPC protocol (see README.md for the wire format):
// everything a protocol needs to join the mesh, against the framework's public codec API.
import {
  Codec, CodecFactory, DecodeStatus, Direction, ErrorKind, FrameInput, Message, MessageType, Mutation, ResponseStatus,
} from "meta-protocol-wasm";

/** magic "KV" (2), version (1), flags (1), request id (8), header length (2), body length (4). */
export const FIXED_SIZE: i32 = 18;
const MAGIC_K: u8 = 0x4b;
const MAGIC_V: u8 = 0x56;
const VERSION: u8 = 1;
const RESPONSE: u8 = 0x01;
const ONEWAY: u8 = 0x02;
const HEARTBEAT: u8 = 0x04;
const ERROR: u8 = 0x08;

export class KvRpcCodec extends Codec {
  decode(input: FrameInput, direction: Direction, message: Message): DecodeStatus {
    if (input.available < FIXED_SIZE) return DecodeStatus.NeedMoreData;
    const fixed = input.bytes(0, FIXED_SIZE);
    if (fixed[0] != MAGIC_K || fixed[1] != MAGIC_V || fixed[2] != VERSION) return this.fail("kvrpc: bad magic or version");
    const headerLength = (<i32>fixed[12] << 8) | fixed[13];
    const bodyLength = (<u32>fixed[14] << 24) | (<u32>fixed[15] << 16) | (<u32>fixed[16] << 8) | fixed[17];
    const frameSize = <u64>FIXED_SIZE + <u64>headerLength + <u64>bodyLength;
    // Refused from the length fields alone, before anything is allocated.
    if (frameSize > <u64>this.maxFrameSize) return this.fail("kvrpc: frame exceeds maxFrameSize");
    const flags = fixed[3];
    message.requestId = readU64(fixed, 4);
    message.frameSize = <i32>frameSize;
    message.headerSize = FIXED_SIZE + headerLength;
    message.bodySize = <i32>bodyLength;
    if ((flags & HEARTBEAT) != 0) message.type = MessageType.Heartbeat;
    else if ((flags & RESPONSE) != 0) message.type = MessageType.Response;
    else if ((flags & ONEWAY) != 0) message.type = MessageType.Oneway;
    else message.type = MessageType.Request;
    if ((flags & ERROR) != 0) message.status = ResponseStatus.Error;
    // The key/value header is all routes need: the body may not have arrived yet, and is not read.
    if (input.available < FIXED_SIZE + headerLength) return DecodeStatus.NeedMoreData;
    if (!readHeader(input.bytes(FIXED_SIZE, headerLength), message)) return this.fail("kvrpc: malformed header");
    return DecodeStatus.Done;
  }

  /** Responses carry the same key/value header as requests. */
  mutatesResponses(): bool {
    return true;
  }

  /** The frame with the mutation's keys set in its header (the framework calls it on whole frames). */
  encode(input: FrameInput, message: Message, mutation: Mutation): Uint8Array {
    const frame = input.bytes(0, message.frameSize);
    if (mutation.isEmpty) return frame.slice();
    const keys: string[] = [];
    const values: string[] = [];
    const old = message.headerSize - FIXED_SIZE;
    const pairs = message.metadata.keys();
    for (let i = 0; i < pairs.length; i++) {
      keys.push(pairs[i]);
      values.push(message.metadata.get(pairs[i])!);
    }
    for (let i = 0; i < mutation.size; i++) {
      const at = keys.indexOf(mutation.keys[i]);
      if (at >= 0) values[at] = mutation.values[i];
      else {
        keys.push(mutation.keys[i]);
        values.push(mutation.values[i]);
      }
    }
    const header = writeHeader(keys, values);
    const out = new Uint8Array(FIXED_SIZE + header.length + message.bodySize);
    out.set(frame.subarray(0, FIXED_SIZE));
    out[12] = <u8>(header.length >> 8);
    out[13] = <u8>header.length;
    out.set(header, FIXED_SIZE);
    out.set(frame.subarray(FIXED_SIZE + old), FIXED_SIZE + header.length);
    return out;
  }

  errorReply(request: Message, kind: ErrorKind, detail: string): Uint8Array {
    return frame(RESPONSE | ERROR, request.requestId, ["error", "kind"], [detail, kind.toString()]);
  }

  /** A heartbeat with the request's id: the server answers it at once, so a local reply can take its place. */
  probeRequest(request: Message): Uint8Array | null {
    return frame(HEARTBEAT, request.requestId, [], []);
  }
}

export class KvRpcCodecFactory extends CodecFactory {
  get name(): string {
    return "example.kvrpc";
  }
  create(maxFrameSize: i32): Codec {
    return new KvRpcCodec(maxFrameSize);
  }
}

/** Header entries: key length (1), key, value length (2), value; each becomes metadata. */
function readHeader(h: Uint8Array, message: Message): bool {
  let at = 0;
  while (at < h.length) {
    if (at + 1 > h.length) return false;
    const keyLength = <i32>h[at];
    if (at + 1 + keyLength + 2 > h.length) return false;
    // Strings straight from the header bytes: no copy per frame.
    const key = String.UTF8.decodeUnsafe(h.dataStart + <usize>(at + 1), <usize>keyLength);
    at += 1 + keyLength;
    const valueLength = (<i32>h[at] << 8) | h[at + 1];
    if (at + 2 + valueLength > h.length) return false;
    message.metadata.set(key, String.UTF8.decodeUnsafe(h.dataStart + <usize>(at + 2), <usize>valueLength));
    at += 2 + valueLength;
  }
  return true;
}

function writeHeader(keys: string[], values: string[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let size = 0;
  for (let i = 0; i < keys.length; i++) {
    const k = Uint8Array.wrap(String.UTF8.encode(keys[i]));
    const v = Uint8Array.wrap(String.UTF8.encode(values[i]));
    const entry = new Uint8Array(1 + k.length + 2 + v.length);
    entry[0] = <u8>k.length;
    entry.set(k, 1);
    entry[1 + k.length] = <u8>(v.length >> 8);
    entry[2 + k.length] = <u8>v.length;
    entry.set(v, 3 + k.length);
    parts.push(entry);
    size += entry.length;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    out.set(parts[i], at);
    at += parts[i].length;
  }
  return out;
}

function frame(flags: u8, id: u64, keys: string[], values: string[]): Uint8Array {
  const header = writeHeader(keys, values);
  const out = new Uint8Array(FIXED_SIZE + header.length);
  out[0] = MAGIC_K;
  out[1] = MAGIC_V;
  out[2] = VERSION;
  out[3] = flags;
  for (let i = 0; i < 8; i++) out[4 + i] = <u8>(id >> (<u64>(56 - 8 * i)));
  out[12] = <u8>(header.length >> 8);
  out[13] = <u8>header.length;
  out.set(header, FIXED_SIZE);
  return out;
}

function readU64(b: Uint8Array, at: i32): u64 {
  let v: u64 = 0;
  for (let i = 0; i < 8; i++) v = (v << 8) | <u64>b[at + i];
  return v;
}
