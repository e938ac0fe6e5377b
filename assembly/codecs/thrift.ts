// Apache Thrift: binary and compact protocols, framed and unframed ("buffered") transports, the
// multiplexed `Service:method` name form. Framed messages are decoded from their header alone (the
// frame length says where they end; the payload passes unread); an unframed message has no length,
// so its struct is walked, skipping every value by its size, to find where it ends. THeader and
// the old non-strict binary form without a frame are refused.
// Metadata: `method`, and `service` for multiplexed calls. seqid pairs replies with calls.
import { Codec, CodecFactory, DecodeResult, Direction } from "../meta/codec";
import { FrameInput } from "../meta/input";
import { ErrorKind, Message, MessageType, ResponseStatus } from "../meta/message";
import { Mutation } from "../meta/mutation";
import { ByteCursor } from "./byte-cursor";
import { BinaryProtocol, CompactProtocol, ThriftHeader, ThriftMessageType, ThriftProtocol, ThriftWriter } from "./thrift-protocols";

const BINARY = new BinaryProtocol();
const COMPACT = new CompactProtocol();
/** TApplicationException.TApplicationExceptionType.INTERNAL_ERROR. */
const INTERNAL_ERROR: i32 = 6;
/** A method no server has: the probe sent in place of a request the module answers itself. */
const PROBE_METHOD = "__meta_protocol_probe";

export class ThriftCodec extends Codec {
  private cursor: ByteCursor = new ByteCursor();
  private header: ThriftHeader = new ThriftHeader();
  /** The connection's wire format, from the last frame decoded: replies are written in it. */
  private protocol: ThriftProtocol = BINARY;
  private framed: bool = true;

  decode(input: FrameInput, direction: Direction, message: Message, maxFrameSize: i32): DecodeResult {
    if (input.available < 1) return DecodeResult.needMore(1);
    const first = input.bytes(0, 1)[0];
    if (first == 0x80 || first == 0x82) return this.decodeUnframed(input, first == 0x82 ? COMPACT : BINARY, message, maxFrameSize);
    if (input.available < 6) return DecodeResult.needMore(6);
    const head = input.bytes(0, 6);
    const length = (<u32>head[0] << 24) | (<u32>head[1] << 16) | (<u32>head[2] << 8) | <u32>head[3];
    if (head[4] == 0x0f && head[5] == 0xff) return DecodeResult.fail("thrift: THeader transport is not supported");
    if (length == 0 || <u64>length + 4 > <u64>maxFrameSize) return DecodeResult.fail("thrift: frame length " + length.toString() + " exceeds maxFrameSize or is zero");
    const protocol: ThriftProtocol = head[4] == 0x82 ? COMPACT : BINARY;
    if (head[4] != 0x82 && head[4] != 0x80 && head[4] != 0) return DecodeResult.fail("thrift: not a Thrift frame");
    const frameSize = <i32>length + 4;
    const c = this.cursor;
    c.reset(input, 4, input.available < frameSize ? input.available : frameSize);
    const result = this.readMessage(c, protocol, message, frameSize);
    if (result !== null) return result;
    this.protocol = protocol;
    this.framed = true;
    message.frameSize = frameSize;
    return DecodeResult.done(frameSize);
  }

  private decodeUnframed(input: FrameInput, protocol: ThriftProtocol, message: Message, maxFrameSize: i32): DecodeResult {
    const c = this.cursor;
    c.reset(input, 0, input.available < maxFrameSize ? input.available : maxFrameSize);
    const result = this.readMessage(c, protocol, message, -1);
    if (result !== null) return result;
    // No length on the wire: the end of the message is the end of its struct.
    c.pos = message.headerSize;
    if (!protocol.skipStruct(c, 0)) {
      if (c.bad) return DecodeResult.fail("thrift: malformed message body");
      if (c.limit >= maxFrameSize) return DecodeResult.fail("thrift: message exceeds maxFrameSize");
      return DecodeResult.needMore(0);
    }
    this.protocol = protocol;
    this.framed = false;
    message.frameSize = c.pos;
    message.bodySize = c.pos - message.headerSize;
    return DecodeResult.done(c.pos);
  }

  /**
   * The message header (and a reply's result field) into `message`; null when done, else the
   * result to return. `frameSize` is -1 when unknown (unframed).
   */
  private readMessage(c: ByteCursor, protocol: ThriftProtocol, message: Message, frameSize: i32): DecodeResult | null {
    const h = this.header;
    if (!protocol.readHeader(c, h)) return this.shortOrBad(c, frameSize, "message header");
    message.requestId = <u64>(<u32>h.seqId);
    message.headerSize = c.pos;
    if (frameSize > 0) message.bodySize = frameSize - c.pos;
    const colon = h.name.indexOf(":");
    message.metadata.set("method", colon >= 0 ? h.name.substr(colon + 1) : h.name);
    if (colon >= 0) message.metadata.set("service", h.name.substr(0, colon));
    switch (h.type) {
      case ThriftMessageType.Call:
        message.type = MessageType.Request;
        return null;
      case ThriftMessageType.Oneway:
        message.type = MessageType.Oneway;
        return null;
      case ThriftMessageType.Exception:
        message.type = MessageType.Response;
        message.status = ResponseStatus.Error;
        return null;
      case ThriftMessageType.Reply: {
        message.type = MessageType.Response;
        // The result struct: field 0 is the success value, any other a declared exception.
        const id = protocol.firstFieldId(c);
        if (c.failed) return this.shortOrBad(c, frameSize, "reply");
        message.status = id > 0 ? ResponseStatus.Error : ResponseStatus.Ok;
        return null;
      }
      default:
        return DecodeResult.fail("thrift: unknown message type " + h.type.toString());
    }
  }

  private shortOrBad(c: ByteCursor, frameSize: i32, what: string): DecodeResult {
    // Short of a known frame's end is truncation; short of the buffered bytes is a wait.
    if (c.bad || (frameSize > 0 && c.limit >= frameSize)) return DecodeResult.fail("thrift: malformed " + what);
    return DecodeResult.needMore(0);
  }

  /** Thrift messages carry no header fields without THeader: frames pass unchanged. */
  encode(input: FrameInput, message: Message, mutation: Mutation): Uint8Array {
    return input.bytes(0, message.frameSize).slice();
  }

  /** A TApplicationException (INTERNAL_ERROR) for the request's method and seqid, as a server writes it. */
  errorReply(request: Message, kind: ErrorKind, detail: string): Uint8Array {
    const method = request.metadata.get("method");
    return this.message(method !== null ? method : "", ThriftMessageType.Exception, <i32>request.requestId, detail);
  }

  /** A call to a method no server has, same seqid: the server answers UNKNOWN_METHOD at once. */
  probeRequest(request: Message): Uint8Array | null {
    const service = request.metadata.get("service");
    const name = service !== null ? service + ":" + PROBE_METHOD : PROBE_METHOD;
    return this.message(name, ThriftMessageType.Call, <i32>request.requestId, null);
  }

  /** A message in the connection's protocol and transport: an exception struct, or an empty args struct. */
  private message(name: string, type: i32, seqId: i32, exception: string | null): Uint8Array {
    const out = new ThriftWriter();
    if (this.framed) out.i32(0); // the frame length, patched below
    this.protocol.writeHeader(out, name, type, seqId);
    if (exception !== null) this.protocol.writeApplicationException(out, exception, INTERNAL_ERROR);
    else out.u8(0); // an empty struct: STOP
    const bytes = out.toBytes();
    if (this.framed) {
      const n = bytes.length - 4;
      bytes[0] = <u8>(n >>> 24);
      bytes[1] = <u8>(n >>> 16);
      bytes[2] = <u8>(n >>> 8);
      bytes[3] = <u8>n;
    }
    return bytes;
  }
}

export class ThriftCodecFactory extends CodecFactory {
  get name(): string {
    return "thrift";
  }
  create(): Codec {
    return new ThriftCodec();
  }
}
