// A tiny protocol for driving the runtime byte by byte:
//   length (u32 BE, bytes after it) | type (u8: 0 request, 1 response, 2 oneway, 6 heartbeat) |
//   id (u32 BE) | status (u8, 0 ok) | text length (u8) | text "k=v;k=v" | payload
// The codec is done as soon as the text is read (the payload may still be coming), answers with a
// heartbeat as its probe, and re-encodes the text of a request or a response with a mutation.
import { Codec, DecodeStatus, Direction } from "../../../assembly/meta/codec";
import { FrameInput } from "../../../assembly/meta/input";
import { ErrorKind, Message, MessageType, ResponseStatus } from "../../../assembly/meta/message";
import { Mutation } from "../../../assembly/meta/mutation";

const HEAD: i32 = 11;

export function frame(type: u8, id: u32, text: string, payload: i32 = 0, status: u8 = 0): Uint8Array {
  const t = Uint8Array.wrap(String.UTF8.encode(text));
  const size = HEAD + t.length + payload;
  const out = new Uint8Array(size);
  const rest = size - 4;
  out[0] = <u8>(rest >>> 24); out[1] = <u8>(rest >>> 16); out[2] = <u8>(rest >>> 8); out[3] = <u8>rest;
  out[4] = type;
  out[5] = <u8>(id >>> 24); out[6] = <u8>(id >>> 16); out[7] = <u8>(id >>> 8); out[8] = <u8>id;
  out[9] = status;
  out[10] = <u8>t.length;
  out.set(t, HEAD);
  for (let i = 0; i < payload; i++) out[HEAD + t.length + i] = <u8>(i * 7);
  return out;
}

export function request(id: u32, text: string, payload: i32 = 0): Uint8Array {
  return frame(0, id, text, payload);
}
export function response(id: u32, text: string = "", status: u8 = 0): Uint8Array {
  return frame(1, id, text, 0, status);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (let i = 0; i < parts.length; i++) n += parts[i].length;
  const out = new Uint8Array(n);
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    out.set(parts[i], at);
    at += parts[i].length;
  }
  return out;
}

/** The text of every frame in `bytes`, joined by "|", e.g. "0:1:method=a|1:1:". */
export function describe(bytes: u8[]): string {
  const parts: string[] = [];
  let at = 0;
  while (at + HEAD <= bytes.length) {
    const size = 4 + ((<i32>bytes[at] << 24) | (<i32>bytes[at + 1] << 16) | (<i32>bytes[at + 2] << 8) | <i32>bytes[at + 3]);
    const id = (<u32>bytes[at + 5] << 24) | (<u32>bytes[at + 6] << 16) | (<u32>bytes[at + 7] << 8) | <u32>bytes[at + 8];
    const t = new Uint8Array(bytes[at + 10]);
    for (let i = 0; i < t.length; i++) t[i] = bytes[at + HEAD + i];
    parts.push(bytes[at + 4].toString() + ":" + id.toString() + ":" + String.UTF8.decode(t.buffer));
    at += size;
  }
  if (at != bytes.length) parts.push("(" + (bytes.length - at).toString() + " stray bytes)");
  return parts.join("|");
}

export class TlvCodec extends Codec {
  constructor(private byOrder: bool = false, maxFrameSize: i32 = 1 << 20, private writesResponses: bool = true) {
    super(maxFrameSize);
  }

  mutatesResponses(): bool {
    return this.writesResponses;
  }

  decode(input: FrameInput, direction: Direction, message: Message): DecodeStatus {
    if (input.available < HEAD) return DecodeStatus.NeedMoreData;
    const h = input.bytes(0, HEAD);
    const size = <i64>4 + ((<i64>h[0] << 24) | (<i64>h[1] << 16) | (<i64>h[2] << 8) | <i64>h[3]);
    if (size > <i64>this.maxFrameSize) return this.fail("tlv: frame exceeds maxFrameSize");
    const type = h[4];
    if (type == 0) message.type = MessageType.Request;
    else if (type == 1) message.type = MessageType.Response;
    else if (type == 2) message.type = MessageType.Oneway;
    else if (type == 6) message.type = MessageType.Heartbeat;
    else return this.fail("tlv: bad type");
    message.requestId = (<u64>h[5] << 24) | (<u64>h[6] << 16) | (<u64>h[7] << 8) | <u64>h[8];
    message.status = h[9] == 0 ? ResponseStatus.Ok : ResponseStatus.Error;
    const textLength = <i32>h[10];
    if (<i64>(HEAD + textLength) > size) return this.fail("tlv: text longer than the frame");
    if (input.available < HEAD + textLength) return DecodeStatus.NeedMoreData;
    message.frameSize = <i32>size;
    message.headerSize = HEAD + textLength;
    message.bodySize = <i32>size - message.headerSize;
    const text = String.UTF8.decode(input.bytes(HEAD, textLength).slice().buffer);
    const pairs = text.length > 0 ? text.split(";") : [];
    for (let i = 0; i < pairs.length; i++) {
      const eq = pairs[i].indexOf("=");
      if (eq > 0) message.metadata.set(pairs[i].substring(0, eq), pairs[i].substring(eq + 1));
    }
    return DecodeStatus.Done;
  }

  encode(input: FrameInput, message: Message, mutation: Mutation): Uint8Array {
    const keys = message.metadata.keys();
    const pairs: string[] = [];
    for (let i = 0; i < keys.length; i++) {
      const m = mutation.keys.indexOf(keys[i]);
      pairs.push(keys[i] + "=" + (m >= 0 ? mutation.values[m] : message.metadata.get(keys[i])!));
    }
    for (let i = 0; i < mutation.size; i++) {
      if (!keys.includes(mutation.keys[i])) pairs.push(mutation.keys[i] + "=" + mutation.values[i]);
    }
    const head = input.bytes(0, HEAD);
    const out = frame(head[4], <u32>message.requestId, pairs.join(";"), message.bodySize, head[9]);
    out.set(input.bytes(message.headerSize, message.bodySize), out.length - message.bodySize);
    return out;
  }

  errorReply(request: Message, kind: ErrorKind, detail: string): Uint8Array {
    return frame(1, <u32>request.requestId, "error=" + (<i32>kind).toString(), 0, 1);
  }

  probeRequest(request: Message): Uint8Array | null {
    return frame(6, <u32>request.requestId, "");
  }

  pairsByOrder(): bool {
    return this.byOrder;
  }
}
