// bRPC's baidu_std protocol (apache/brpc docs/en/baidu_std.md): a 12-byte header "PRPC", body
// size and meta size (big endian), then the RpcMeta protobuf (src/brpc/policy/baidu_rpc_meta.proto),
// the payload and the attachment. Only the header and the meta are read; payload and attachment
// pass unread.
// Metadata: `service` (and `interface`, the same, for routes written for RPC protocols), `method`,
// `log_id`, `request_id`, and every RpcMeta.user_fields entry under its own key (a user field
// named like one of those is ignored: routes on `service` must see the real service).
// correlation_id pairs responses; a response with an error_code is an error. A mutation is written
// into user_fields, brpc's free-form request headers.
import { Codec, CodecFactory, DecodeStatus, Direction } from "../meta/codec";
import { FrameInput } from "../meta/input";
import { ErrorKind, Message, MessageType, ResponseStatus } from "../meta/message";
import { INTERFACE, LOG_ID, METHOD, REQUEST_ID, SERVICE } from "../meta/metadata-keys";
import { Mutation } from "../meta/mutation";
import { readU32 } from "./big-endian";
import { BRPC_HEADER_SIZE, BRPC_MAGIC, frameWithMeta, MapEntry, META_USER_FIELDS, metaWithUserFields, readMapEntry } from "./brpc-meta";
import { ByteCursor } from "./byte-cursor";
import { ProtobufWriter, readTag, skipField, WIRE_LEN, WIRE_VARINT } from "./protobuf";

// RpcMeta and RpcRequestMeta / RpcResponseMeta field numbers.
const META_REQUEST: u32 = 1;
const META_RESPONSE: u32 = 2;
const META_CORRELATION_ID: u32 = 4;
const REQUEST_SERVICE_NAME: u32 = 1;
const REQUEST_METHOD_NAME: u32 = 2;
const REQUEST_LOG_ID: u32 = 3;
const REQUEST_REQUEST_ID: u32 = 7;
const RESPONSE_ERROR_CODE: u32 = 1;
const RESPONSE_ERROR_TEXT: u32 = 2;

// brpc's errno.proto codes for the replies the module writes.
const ENOSERVICE: i32 = 1001;
const EFAILEDSOCKET: i32 = 1009;
const EINTERNAL: i32 = 2001;
const ERESPONSE: i32 = 2002;
const ELIMIT: i32 = 2004;

export function brpcErrorCodeFor(kind: ErrorKind): i32 {
  switch (kind) {
    case ErrorKind.RouteNotFound: return ENOSERVICE;
    case ErrorKind.ClusterNotFound:
    case ErrorKind.NoHealthyUpstream: return EFAILEDSOCKET;
    case ErrorKind.BadResponse: return ERESPONSE;
    case ErrorKind.OverLimit: return ELIMIT;
    default: return EINTERNAL;
  }
}

/** Scratch state of one decode or encode, reused by every connection of the VM (each runs within one callback). */
const cursor = new ByteCursor();
/** Reused for every user_fields entry. */
const entry = new MapEntry();

export class BrpcCodec extends Codec {

  decode(input: FrameInput, direction: Direction, message: Message): DecodeStatus {
    const available = input.available;
    if (available < BRPC_HEADER_SIZE) {
      // Refuse other protocols as soon as their first bytes differ from the magic (brpc's
      // ParseRpcMessage gives up on such a prefix too).
      const n = available < 4 ? available : 4;
      for (let i = 0; i < n; i++) {
        if (<u32>input.byteAt(i) != ((BRPC_MAGIC >>> (24 - 8 * i)) & 0xff)) return this.fail("brpc: bad magic");
      }
      return DecodeStatus.NeedMoreData;
    }
    const h = input.bytes(0, BRPC_HEADER_SIZE);
    if (readU32(h, 0) != BRPC_MAGIC) return this.fail("brpc: bad magic");
    const bodySize = readU32(h, 4);
    const metaSize = readU32(h, 8);
    if (<u64>bodySize + BRPC_HEADER_SIZE > <u64>this.maxFrameSize) return this.fail("brpc: frame exceeds maxFrameSize");
    if (metaSize > bodySize) return this.fail("brpc: meta size exceeds body size");
    const metaEnd = BRPC_HEADER_SIZE + <i32>metaSize;
    if (available < metaEnd) return DecodeStatus.NeedMoreData;
    const frameSize = BRPC_HEADER_SIZE + <i32>bodySize;
    message.frameSize = frameSize;
    message.headerSize = metaEnd;
    message.bodySize = <i32>(bodySize - metaSize);
    message.type = direction == Direction.Downstream ? MessageType.Request : MessageType.Response;
    const c = cursor;
    c.reset(input, BRPC_HEADER_SIZE, metaEnd);
    if (!this.readMeta(c, message, metaEnd)) return this.fail("brpc: malformed RpcMeta");
    return DecodeStatus.Done;
  }

  /** RpcMeta: request, response, correlation_id and user_fields; other fields are skipped. */
  private readMeta(c: ByteCursor, message: Message, end: i32): bool {
    while (c.pos < end) {
      const tag = readTag(c);
      if (c.failed) return false;
      const field = tag >>> 3;
      const wire = tag & 7;
      if ((field == META_REQUEST || field == META_RESPONSE || field == META_USER_FIELDS) && wire == WIRE_LEN) {
        const size = c.varint();
        if (c.failed || size > <u64>(end - c.pos)) return false;
        const nestedEnd = c.pos + <i32>size;
        const ok = field == META_REQUEST
          ? this.readRequestMeta(c, message, nestedEnd)
          : field == META_RESPONSE ? this.readResponseMeta(c, message, nestedEnd) : this.readUserField(c, message, nestedEnd);
        if (!ok) return false;
      } else if (field == META_CORRELATION_ID && wire == WIRE_VARINT) {
        message.requestId = c.varint();
      } else if (!skipField(c, wire)) {
        return false;
      }
    }
    return !c.failed && c.pos == end;
  }

  private readRequestMeta(c: ByteCursor, message: Message, end: i32): bool {
    while (c.pos < end) {
      const tag = readTag(c);
      const field = tag >>> 3;
      const wire = tag & 7;
      if ((field == REQUEST_SERVICE_NAME || field == REQUEST_METHOD_NAME || field == REQUEST_REQUEST_ID) && wire == WIRE_LEN) {
        const text = c.string(<i64>c.varint());
        if (text === null) return false;
        if (field == REQUEST_SERVICE_NAME) {
          message.metadata.set(SERVICE, text);
          message.metadata.set(INTERFACE, text);
        } else {
          message.metadata.set(field == REQUEST_METHOD_NAME ? METHOD : REQUEST_ID, text);
        }
      } else if (field == REQUEST_LOG_ID && wire == WIRE_VARINT) {
        message.metadata.set(LOG_ID, c.varint().toString());
      } else if (!skipField(c, wire)) {
        return false;
      }
    }
    return !c.failed && c.pos == end;
  }

  private readResponseMeta(c: ByteCursor, message: Message, end: i32): bool {
    while (c.pos < end) {
      const tag = readTag(c);
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field == RESPONSE_ERROR_CODE && wire == WIRE_VARINT) {
        if (c.varint() != 0) message.status = ResponseStatus.Error;
      } else if (!skipField(c, wire)) {
        return false;
      }
    }
    return !c.failed && c.pos == end;
  }

  /** One user_fields entry; as in any protobuf map a later entry replaces an earlier one. */
  private readUserField(c: ByteCursor, message: Message, end: i32): bool {
    if (!readMapEntry(c, end, entry)) return false;
    if (!isProtocolKey(entry.key)) message.metadata.set(entry.key, entry.value);
    return true;
  }

  /** Requests and responses both carry RpcMeta.user_fields. */
  mutatesResponses(): bool {
    return true;
  }

  /** The frame with the mutation's keys set in RpcMeta.user_fields; payload and attachment unchanged. */
  encode(input: FrameInput, message: Message, mutation: Mutation): Uint8Array {
    const frame = input.bytes(0, message.frameSize);
    if (mutation.isEmpty) return frame.slice();
    const meta = metaWithUserFields(cursor, frame.subarray(BRPC_HEADER_SIZE, message.headerSize), mutation);
    if (meta === null) return frame.slice();
    return frameWithMeta(meta, frame.subarray(message.headerSize));
  }

  /** A response with error_code / error_text and the request's correlation_id, as a brpc server writes it. */
  errorReply(request: Message, kind: ErrorKind, detail: string): Uint8Array {
    const response = new ProtobufWriter();
    response.varintField(RESPONSE_ERROR_CODE, <u64>brpcErrorCodeFor(kind));
    response.stringField(RESPONSE_ERROR_TEXT, detail);
    const meta = new ProtobufWriter();
    meta.bytesField(META_RESPONSE, response.toBytes());
    meta.varintField(META_CORRELATION_ID, request.requestId);
    return frameWithMeta(meta.toBytes(), new Uint8Array(0));
  }

  /** A call to a service no server has, same correlation_id: brpc answers ENOSERVICE at once. */
  probeRequest(request: Message): Uint8Array | null {
    const call = new ProtobufWriter();
    call.stringField(REQUEST_SERVICE_NAME, "__meta_protocol_probe");
    call.stringField(REQUEST_METHOD_NAME, "probe");
    const meta = new ProtobufWriter();
    meta.bytesField(META_REQUEST, call.toBytes());
    meta.varintField(META_CORRELATION_ID, request.requestId);
    return frameWithMeta(meta.toBytes(), new Uint8Array(0));
  }
}

/** Keys the codec fills from RpcMeta's own fields: a user field cannot stand in for them. */
function isProtocolKey(key: string): bool {
  return key == SERVICE || key == INTERFACE || key == METHOD || key == LOG_ID || key == REQUEST_ID;
}

export class BrpcCodecFactory extends CodecFactory {
  get name(): string {
    return "brpc";
  }
  create(maxFrameSize: i32): Codec {
    return new BrpcCodec(maxFrameSize);
  }
}
