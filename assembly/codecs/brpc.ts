// bRPC's baidu_std protocol (apache/brpc docs/en/baidu_std.md): a 12-byte header "PRPC", body
// size and meta size (big endian), then the RpcMeta protobuf, the payload and the attachment.
// Only the header and the meta are read; payload and attachment pass unread.
// Metadata: `service` (and `interface`, the same, for routes written for RPC protocols),
// `method`, `log_id`; correlation_id pairs responses; a response with an error_code is an error.
import { Codec, CodecFactory, DecodeResult, Direction } from "../meta/codec";
import { FrameInput } from "../meta/input";
import { ErrorKind, Message, MessageType, ResponseStatus } from "../meta/message";
import { Mutation } from "../meta/mutation";
import { ByteCursor } from "./byte-cursor";
import { ProtobufWriter, skipField, WIRE_LEN, WIRE_VARINT } from "./protobuf";

const HEADER_SIZE: i32 = 12;
const MAGIC: u32 = 0x50525043; // "PRPC"

// brpc's errno.proto codes for the replies the module writes.
const ENOSERVICE: i32 = 1001;
const EFAILEDSOCKET: i32 = 1009;
const EINTERNAL: i32 = 2001;
const ERESPONSE: i32 = 2002;
const ELIMIT: i32 = 2004;

function errorCodeFor(kind: ErrorKind): i32 {
  switch (kind) {
    case ErrorKind.RouteNotFound: return ENOSERVICE;
    case ErrorKind.ClusterNotFound:
    case ErrorKind.NoHealthyUpstream: return EFAILEDSOCKET;
    case ErrorKind.BadResponse: return ERESPONSE;
    case ErrorKind.OverLimit: return ELIMIT;
    default: return EINTERNAL;
  }
}

export class BrpcCodec extends Codec {
  private cursor: ByteCursor = new ByteCursor();

  decode(input: FrameInput, direction: Direction, message: Message, maxFrameSize: i32): DecodeResult {
    if (input.available < HEADER_SIZE) return DecodeResult.needMore(HEADER_SIZE);
    const h = input.bytes(0, HEADER_SIZE);
    if (readU32(h, 0) != MAGIC) return DecodeResult.fail("brpc: bad magic");
    const bodySize = readU32(h, 4);
    const metaSize = readU32(h, 8);
    if (<u64>bodySize + HEADER_SIZE > <u64>maxFrameSize) return DecodeResult.fail("brpc: frame exceeds maxFrameSize");
    if (metaSize > bodySize) return DecodeResult.fail("brpc: meta size exceeds body size");
    const metaEnd = HEADER_SIZE + <i32>metaSize;
    if (input.available < metaEnd) return DecodeResult.needMore(metaEnd);
    const frameSize = HEADER_SIZE + <i32>bodySize;
    message.frameSize = frameSize;
    message.headerSize = metaEnd;
    message.bodySize = <i32>(bodySize - metaSize);
    message.type = direction == Direction.Downstream ? MessageType.Request : MessageType.Response;
    const c = this.cursor;
    c.reset(input, HEADER_SIZE, metaEnd);
    if (!this.readMeta(c, message, metaEnd)) return DecodeResult.fail("brpc: malformed RpcMeta");
    return DecodeResult.done(frameSize);
  }

  /** RpcMeta: request = 1, response = 2, correlation_id = 4; other fields are skipped. */
  private readMeta(c: ByteCursor, message: Message, end: i32): bool {
    while (c.pos < end) {
      const key = <u32>c.varint();
      if (c.failed) return false;
      const field = key >>> 3;
      const wire = key & 7;
      if ((field == 1 || field == 2) && wire == WIRE_LEN) {
        const size = c.varint();
        if (c.failed || size > <u64>(end - c.pos)) return false;
        const nestedEnd = c.pos + <i32>size;
        if (!(field == 1 ? this.readRequestMeta(c, message, nestedEnd) : this.readResponseMeta(c, message, nestedEnd))) return false;
      } else if (field == 4 && wire == WIRE_VARINT) {
        message.requestId = c.varint();
      } else if (!skipField(c, wire)) {
        return false;
      }
    }
    return !c.failed && c.pos == end;
  }

  private readRequestMeta(c: ByteCursor, message: Message, end: i32): bool {
    while (c.pos < end) {
      const key = <u32>c.varint();
      const field = key >>> 3;
      const wire = key & 7;
      if ((field == 1 || field == 2) && wire == WIRE_LEN) {
        const text = c.string(<i64>c.varint());
        if (text === null) return false;
        if (field == 1) {
          message.metadata.set("service", text);
          message.metadata.set("interface", text);
        } else {
          message.metadata.set("method", text);
        }
      } else if (field == 3 && wire == WIRE_VARINT) {
        message.metadata.set("log_id", c.varint().toString());
      } else if (!skipField(c, wire)) {
        return false;
      }
    }
    return !c.failed && c.pos == end;
  }

  private readResponseMeta(c: ByteCursor, message: Message, end: i32): bool {
    while (c.pos < end) {
      const key = <u32>c.varint();
      const field = key >>> 3;
      const wire = key & 7;
      if (field == 1 && wire == WIRE_VARINT) {
        if (c.varint() != 0) message.status = ResponseStatus.Error;
      } else if (!skipField(c, wire)) {
        return false;
      }
    }
    return !c.failed && c.pos == end;
  }

  /** RpcMeta has no free-form header a filter could set here: frames pass unchanged. */
  encode(input: FrameInput, message: Message, mutation: Mutation): Uint8Array {
    return input.bytes(0, message.frameSize).slice();
  }

  /** A response with error_code / error_text and the request's correlation_id, as a brpc server writes it. */
  errorReply(request: Message, kind: ErrorKind, detail: string): Uint8Array {
    const response = new ProtobufWriter();
    response.varintField(1, <u64>errorCodeFor(kind));
    response.stringField(2, detail);
    const meta = new ProtobufWriter();
    meta.bytesField(2, response.toBytes());
    meta.varintField(4, request.requestId);
    return frame(meta.toBytes());
  }

  /** A call to a service no server has, same correlation_id: brpc answers ENOSERVICE at once. */
  probeRequest(request: Message): Uint8Array | null {
    const call = new ProtobufWriter();
    call.stringField(1, "__meta_protocol_probe");
    call.stringField(2, "probe");
    const meta = new ProtobufWriter();
    meta.bytesField(1, call.toBytes());
    meta.varintField(4, request.requestId);
    return frame(meta.toBytes());
  }
}

/** A frame with `meta` and no payload. */
function frame(meta: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE + meta.length);
  writeU32(out, 0, MAGIC);
  writeU32(out, 4, meta.length);
  writeU32(out, 8, meta.length);
  out.set(meta, HEADER_SIZE);
  return out;
}

function readU32(b: Uint8Array, at: i32): u32 {
  return (<u32>b[at] << 24) | (<u32>b[at + 1] << 16) | (<u32>b[at + 2] << 8) | <u32>b[at + 3];
}

function writeU32(b: Uint8Array, at: i32, v: u32): void {
  b[at] = <u8>(v >>> 24);
  b[at + 1] = <u8>(v >>> 16);
  b[at + 2] = <u8>(v >>> 8);
  b[at + 3] = <u8>v;
}

export class BrpcCodecFactory extends CodecFactory {
  get name(): string {
    return "brpc";
  }
  create(): Codec {
    return new BrpcCodec();
  }
}
