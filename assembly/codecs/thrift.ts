// Apache Thrift: binary and compact protocols, framed and unframed ("buffered") transports, the
// multiplexed `Service:method` name form. Framed messages are decoded from their header alone (the
// frame length says where they end; the payload passes unread); an unframed message has no length,
// so its struct is walked, skipping every value by its size, to find where it ends. THeader and
// the old non-strict binary form without a frame are refused.
// Metadata: `method`, and `service` for multiplexed calls. seqid pairs replies with calls.
import { Codec, CodecFactory, DecodeStatus, Direction } from "../meta/codec";
import { FrameInput } from "../meta/input";
import { ErrorKind, Message, MessageType, ResponseStatus } from "../meta/message";
import { METHOD, SERVICE } from "../meta/metadata-keys";
import { Mutation } from "../meta/mutation";
import { readU32, writeU32 } from "./big-endian";
import { ByteCursor } from "./byte-cursor";
import { BinaryProtocol, CompactProtocol, ThriftHeader, ThriftMessageType, ThriftProtocol, ThriftWriter } from "./thrift-protocols";

const BINARY = new BinaryProtocol();
const COMPACT = new CompactProtocol();
/** TApplicationException.TApplicationExceptionType.INTERNAL_ERROR. */
const INTERNAL_ERROR: i32 = 6;
/** A method no server has: the probe sent in place of a request the module answers itself. */
const PROBE_METHOD = "__meta_protocol_probe";

/** Scratch state of one decode, reused by every connection of the VM (a decode runs within one callback). */
const cursor = new ByteCursor();
const header = new ThriftHeader();

export class ThriftCodec extends Codec {
  /** The connection's wire format, from the last frame decoded: replies are written in it. */
  private protocol: ThriftProtocol = BINARY;
  private framed: bool = true;

  decode(input: FrameInput, direction: Direction, message: Message): DecodeStatus {
    if (input.available < 1) return DecodeStatus.NeedMoreData;
    const first = input.byteAt(0);
    if (first == 0x80 || first == 0x82) return this.decodeUnframed(input, first == 0x82 ? COMPACT : BINARY, message);
    if (input.available < 6) return DecodeStatus.NeedMoreData;
    const head = input.bytes(0, 6);
    const length = readU32(head, 0);
    if (head[4] == 0x0f && head[5] == 0xff) return this.fail("thrift: THeader transport is not supported");
    if (length == 0 || <u64>length + 4 > <u64>this.maxFrameSize) return this.fail("thrift: frame length " + length.toString() + " exceeds maxFrameSize or is zero");
    const protocol: ThriftProtocol = head[4] == 0x82 ? COMPACT : BINARY;
    if (head[4] != 0x82 && head[4] != 0x80 && head[4] != 0) return this.fail("thrift: not a Thrift frame");
    const frameSize = <i32>length + 4;
    const c = cursor;
    c.reset(input, 4, input.available < frameSize ? input.available : frameSize);
    const status = this.readMessage(c, protocol, message, frameSize);
    if (status != DecodeStatus.Done) return status;
    this.protocol = protocol;
    this.framed = true;
    message.frameSize = frameSize;
    return DecodeStatus.Done;
  }

  private decodeUnframed(input: FrameInput, protocol: ThriftProtocol, message: Message): DecodeStatus {
    const c = cursor;
    const maxFrameSize = this.maxFrameSize;
    c.reset(input, 0, input.available < maxFrameSize ? input.available : maxFrameSize);
    const status = this.readMessage(c, protocol, message, -1);
    if (status != DecodeStatus.Done) return status;
    // No length on the wire: the end of the message is the end of its struct.
    c.pos = message.headerSize;
    if (!protocol.skipStruct(c, 0)) {
      if (c.bad) return this.fail("thrift: malformed message body");
      if (c.limit >= maxFrameSize) return this.fail("thrift: message exceeds maxFrameSize");
      return DecodeStatus.NeedMoreData;
    }
    this.protocol = protocol;
    this.framed = false;
    message.frameSize = c.pos;
    message.bodySize = c.pos - message.headerSize;
    return DecodeStatus.Done;
  }

  /**
   * The message header (and a reply's result field) into `message`. Done here means the header
   * is read; the caller still finds the frame's end. `frameSize` is -1 when unknown (unframed).
   */
  private readMessage(c: ByteCursor, protocol: ThriftProtocol, message: Message, frameSize: i32): DecodeStatus {
    const h = header;
    if (!protocol.readHeader(c, h)) return this.shortOrBad(c, frameSize, "thrift: malformed message header");
    message.requestId = <u64>(<u32>h.seqId);
    message.headerSize = c.pos;
    if (frameSize > 0) message.bodySize = frameSize - c.pos;
    const colon = h.name.indexOf(":");
    message.metadata.set(METHOD, colon >= 0 ? h.name.substr(colon + 1) : h.name);
    if (colon >= 0) message.metadata.set(SERVICE, h.name.substr(0, colon));
    switch (h.type) {
      case ThriftMessageType.Call:
        message.type = MessageType.Request;
        return DecodeStatus.Done;
      case ThriftMessageType.Oneway:
        message.type = MessageType.Oneway;
        return DecodeStatus.Done;
      case ThriftMessageType.Exception:
        message.type = MessageType.Response;
        message.status = ResponseStatus.Error;
        return DecodeStatus.Done;
      case ThriftMessageType.Reply: {
        message.type = MessageType.Response;
        // The result struct: field 0 is the success value, any other a declared exception.
        const id = protocol.firstFieldId(c);
        if (c.failed) return this.shortOrBad(c, frameSize, "thrift: malformed reply");
        message.status = id > 0 ? ResponseStatus.Error : ResponseStatus.Ok;
        return DecodeStatus.Done;
      }
      default:
        return this.fail("thrift: unknown message type " + h.type.toString());
    }
  }

  private shortOrBad(c: ByteCursor, frameSize: i32, error: string): DecodeStatus {
    // Short of a known frame's end is truncation; short of the buffered bytes is a wait.
    if (c.bad || (frameSize > 0 && c.limit >= frameSize)) return this.fail(error);
    return DecodeStatus.NeedMoreData;
  }

  /** Thrift messages carry no header fields without THeader: frames pass unchanged. */
  encode(input: FrameInput, message: Message, mutation: Mutation): Uint8Array {
    return input.bytes(0, message.frameSize).slice();
  }

  /** A TApplicationException (INTERNAL_ERROR) for the request's method and seqid, as a server writes it. */
  errorReply(request: Message, kind: ErrorKind, detail: string): Uint8Array {
    const method = request.metadata.get(METHOD);
    return this.message(method !== null ? method : "", ThriftMessageType.Exception, <i32>request.requestId, detail);
  }

  /** A call to a method no server has, same seqid: the server answers UNKNOWN_METHOD at once. */
  probeRequest(request: Message): Uint8Array | null {
    const service = request.metadata.get(SERVICE);
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
    if (this.framed) writeU32(bytes, 0, <u32>(bytes.length - 4));
    return bytes;
  }
}

export class ThriftCodecFactory extends CodecFactory {
  get name(): string {
    return "thrift";
  }
  create(maxFrameSize: i32): Codec {
    return new ThriftCodec(maxFrameSize);
  }
}
