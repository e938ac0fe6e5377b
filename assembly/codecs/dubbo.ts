// Dubbo 2 protocol with hessian2 bodies (Apache Dubbo ExchangeCodec + DubboCodec).
//
// Header, 16 bytes, big-endian:
//   0-1   magic 0xdabb
//   2     flags: 0x80 request, 0x40 two-way, 0x20 event (heartbeat), low 5 bits serialization id
//   3     response status (20 = OK)
//   4-11  request id
//   12-15 body length
// Request body (hessian2 values): dubbo version, service path, service version, method name,
// parameter types descriptor ("Ljava/lang/String;I"), one value per parameter, attachments map.
// The leading strings become metadata at once; the attachments sit after the arguments, so they
// are read only when someone asks for a key that is not known yet (AttachmentsResolver), under
// their own names (`group`, see metadata-keys.ts, `timeout`, ...).
import { Codec, CodecFactory, DecodeStatus, Direction } from "../meta/codec";
import { FrameInput, MemoryInput } from "../meta/input";
import { ErrorKind, Message, MessageType, ResponseStatus } from "../meta/message";
import { LazyMetadata, Metadata } from "../meta/metadata";
import { INTERFACE, METHOD, PARAMETER_TYPES, VERSION } from "../meta/metadata-keys";
import { Mutation } from "../meta/mutation";
import { readU32, readU64 } from "./big-endian";
import { RESPONSE_WITH_EXCEPTION, RESPONSE_WITH_EXCEPTION_WITH_ATTACHMENTS, openMap, withResponseAttachments, writeMutatedMap } from "./dubbo-attachments";
import { HessianReader, HessianWriter } from "./hessian2";

export const DUBBO_HEADER_SIZE: i32 = 16;
const MAGIC_HIGH: u8 = 0xda;
const MAGIC_LOW: u8 = 0xbb;
const FLAG_REQUEST: u8 = 0x80;
const FLAG_TWO_WAY: u8 = 0x40;
const FLAG_EVENT: u8 = 0x20;
const SERIALIZATION_MASK: u8 = 0x1f;
export const HESSIAN2_SERIALIZATION_ID: u8 = 2;

/** Response status codes (org.apache.dubbo.remoting.exchange.Response). */
export enum DubboStatus {
  Ok = 20,
  ClientTimeout = 30,
  ServerTimeout = 31,
  BadRequest = 40,
  BadResponse = 50,
  ServiceNotFound = 60,
  ServiceError = 70,
  ServerError = 80,
  ClientError = 90,
  ServerThreadpoolExhausted = 100,
}

/** Which Dubbo status a protocol-neutral local reply becomes. */
export function dubboStatusFor(kind: ErrorKind): DubboStatus {
  switch (kind) {
    case ErrorKind.RouteNotFound:
    case ErrorKind.ClusterNotFound:
    case ErrorKind.NoHealthyUpstream:
      return DubboStatus.ServiceNotFound;
    case ErrorKind.BadResponse:
      return DubboStatus.BadResponse;
    case ErrorKind.OverLimit:
      return DubboStatus.ServerThreadpoolExhausted;
  }
  return DubboStatus.ServerError;
}

/** Number of parameters a JVM method descriptor lists ("Ljava/lang/String;[I" is 2), or -1. */
export function countParameters(descriptor: string): i32 {
  let count = 0;
  let i = 0;
  const n = descriptor.length;
  while (i < n) {
    while (i < n && descriptor.charCodeAt(i) == 0x5b) i++; // '[' array dimensions
    if (i >= n) return -1;
    const c = descriptor.charCodeAt(i);
    if (c == 0x4c) { // 'L' class name up to ';'
      const semi = descriptor.indexOf(";", i);
      if (semi < 0) return -1;
      i = semi + 1;
    } else if (isPrimitive(c)) {
      i++;
    } else {
      return -1;
    }
    count++;
  }
  return count;
}

/** A JVM primitive type letter: Z B C D F I J S. */
function isPrimitive(c: i32): bool {
  return c == 0x5a || c == 0x42 || c == 0x43 || c == 0x44 || c == 0x46 || c == 0x49 || c == 0x4a || c == 0x53;
}

const EMPTY_INPUT = new MemoryInput(new Uint8Array(0));

/** Where a request body's parts start, as read by walking it. */
class RequestLayout {
  argsStart: i32 = 0;
  argCount: i32 = -1;
}

/** Reads the five leading strings of a request body into `metadata` (if given) and `layout`; false when malformed. */
function readRequestHead(reader: HessianReader, metadata: Metadata | null, layout: RequestLayout): bool {
  const dubboVersion = reader.readString(false);
  const path = reader.readString();
  const version = reader.readString();
  const method = reader.readString();
  const descriptor = reader.readString();
  if (dubboVersion === null || path === null || version === null || method === null || descriptor === null) return false;
  if (metadata !== null) {
    metadata.set(INTERFACE, path);
    metadata.set(METHOD, method);
    if (version.length > 0) metadata.set(VERSION, version);
    metadata.set(PARAMETER_TYPES, descriptor);
  }
  layout.argsStart = reader.pos;
  layout.argCount = countParameters(descriptor);
  return true;
}

/** Skips the arguments; false when they cannot be walked (unknown count, malformed value). */
function skipArguments(reader: HessianReader, layout: RequestLayout): bool {
  if (layout.argCount < 0) return false;
  for (let i = 0; i < layout.argCount; i++) if (!reader.skipValue()) return false;
  return true;
}

/**
 * Adds the string-valued attachments of a request to metadata when first asked for. Keys already
 * known (interface, method, version from the body head) keep their value. A body that cannot be
 * walked leaves the keys absent. Reads the frame again, so it must run before the frame is taken
 * from the input (filters run on a message while its frame is still buffered). One per VM,
 * aimed at the request decoded last: an earlier request that still points here finds its keys
 * absent rather than read from another frame (the framework resolves a request's keys before
 * the next frame is decoded if it holds the request).
 */
class AttachmentsResolver extends LazyMetadata {
  input: FrameInput = EMPTY_INPUT;
  readonly layout: RequestLayout = new RequestLayout();
  bodyEnd: i32 = 0;
  /** The metadata of the request decoded last: the only one this can still resolve. */
  owner: Metadata | null = null;

  constructor(private reader: HessianReader) {
    super();
  }

  resolve(metadata: Metadata): void {
    if (metadata !== this.owner) return;
    this.owner = null;
    if (this.input.available < this.bodyEnd) return;
    const reader = this.reader;
    reader.reset(this.input, this.layout.argsStart, this.bodyEnd, 256);
    if (!skipArguments(reader, this.layout) || !openMap(reader)) return;
    while (true) {
      const tag = reader.peek();
      if (tag < 0 || tag == 0x5a) return;
      let key: string | null = null;
      if (HessianReader.isStringTag(tag)) key = reader.readString();
      else if (!reader.skipValue()) return;
      if (reader.failed) return;
      const valueTag = reader.peek();
      let value: string | null = null;
      if (HessianReader.isStringTag(valueTag)) value = reader.readString();
      else if (!reader.skipValue()) return;
      if (reader.failed) return;
      if (key !== null && value !== null && !metadata.has(key)) metadata.set(key, value);
    }
  }
}

/**
 * Scratch state of one decode, reused for every frame of every connection of the VM: a decode
 * runs within one callback, which serves one connection. The resolver's owner check keeps a
 * request from resolving after another frame was decoded, on any connection.
 */
const reader = new HessianReader(EMPTY_INPUT, 0, 0);
const attachmentsResolver = new AttachmentsResolver(reader);

export class DubboCodec extends Codec {

  /** Does an OK response body start with an exception result? Reads the first value only. */
  private carriesException(input: FrameInput, readable: i32): bool {
    reader.reset(input, DUBBO_HEADER_SIZE, readable, 8);
    if (reader.atEnd) return false;
    const kind = reader.readInt();
    return kind == RESPONSE_WITH_EXCEPTION || kind == RESPONSE_WITH_EXCEPTION_WITH_ATTACHMENTS;
  }

  decode(input: FrameInput, direction: Direction, message: Message): DecodeStatus {
    if (input.available < DUBBO_HEADER_SIZE) return DecodeStatus.NeedMoreData;
    const header = input.bytes(0, DUBBO_HEADER_SIZE);
    if (header[0] != MAGIC_HIGH || header[1] != MAGIC_LOW) return this.fail("dubbo: bad magic");
    const bodyLength = readU32(header, 12);
    if (<u64>bodyLength + <u64>DUBBO_HEADER_SIZE > <u64>this.maxFrameSize) return this.fail("dubbo: frame exceeds maxFrameSize");
    const frameSize = <i32>bodyLength + DUBBO_HEADER_SIZE;
    // Payload passthrough: only the head of the body is read; the rest may not have arrived yet.
    const readable = input.available < frameSize ? input.available : frameSize;

    const flags = header[2];
    const status = header[3];
    message.requestId = readU64(header, 4);
    message.frameSize = frameSize;
    message.headerSize = DUBBO_HEADER_SIZE;
    message.bodySize = <i32>bodyLength;
    const hessian = (flags & SERIALIZATION_MASK) == HESSIAN2_SERIALIZATION_ID;

    if ((flags & FLAG_REQUEST) == 0) {
      message.type = (flags & FLAG_EVENT) != 0 ? MessageType.Heartbeat : MessageType.Response;
      if (status != DubboStatus.Ok) {
        message.status = ResponseStatus.Error;
        return DecodeStatus.Done;
      }
      // An OK status may still carry an exception: the first body value says which.
      const inspectBody = hessian && message.type == MessageType.Response && bodyLength > 0;
      if (inspectBody && readable == DUBBO_HEADER_SIZE) return DecodeStatus.NeedMoreData;
      message.status = inspectBody && this.carriesException(input, readable) ? ResponseStatus.Error : ResponseStatus.Ok;
      return DecodeStatus.Done;
    }
    if ((flags & FLAG_EVENT) != 0) {
      message.type = MessageType.Heartbeat;
      return DecodeStatus.Done;
    }
    message.type = (flags & FLAG_TWO_WAY) != 0 ? MessageType.Request : MessageType.Oneway;
    // Other serializations pass through as frames without metadata.
    if (!hessian) return DecodeStatus.Done;
    reader.reset(input, DUBBO_HEADER_SIZE, readable, 256);
    const attachments = attachmentsResolver;
    attachments.owner = null; // its layout is about to change: the request decoded before can no longer resolve
    if (!readRequestHead(reader, message.metadata, attachments.layout)) {
      // A head cut short by the end of the buffered bytes needs more; a whole one that fails is malformed.
      if (readable < frameSize) return DecodeStatus.NeedMoreData;
      return this.fail("dubbo: malformed request body");
    }
    // Attachments of a frame not wholly buffered yet are out of reach: their keys stay absent.
    attachments.input = input;
    attachments.bodyEnd = readable;
    attachments.owner = message.metadata;
    message.metadata.setLazy(attachments);
    return DecodeStatus.Done;
  }

  /** A heartbeat with the request's id: every Dubbo server answers it at once. */
  probeRequest(request: Message): Uint8Array | null {
    const out = new HessianWriter(DUBBO_HEADER_SIZE + 1);
    out.byte(MAGIC_HIGH);
    out.byte(MAGIC_LOW);
    out.byte(FLAG_REQUEST | FLAG_TWO_WAY | FLAG_EVENT | HESSIAN2_SERIALIZATION_ID);
    out.byte(0);
    out.u64(request.requestId);
    out.u32(1);
    out.byte(0x4e); // hessian2 null: the heartbeat's data
    return out.toBytes();
  }

  /** Requests and OK responses both carry attachments. */
  mutatesResponses(): bool {
    return true;
  }

  /**
   * The frame with the mutation in its attachments: a request's map after its arguments, an OK
   * hessian2 response's map after its result. Anything else, or a body that cannot be walked,
   * passes unchanged.
   */
  encode(input: FrameInput, message: Message, mutation: Mutation): Uint8Array {
    const frame = input.bytes(0, message.frameSize).slice();
    if (mutation.isEmpty || frame.length < DUBBO_HEADER_SIZE || (frame[2] & SERIALIZATION_MASK) != HESSIAN2_SERIALIZATION_ID) return frame;
    let rewritten: Uint8Array | null = null;
    if (message.type == MessageType.Request || message.type == MessageType.Oneway) {
      rewritten = withAttachments(frame, mutation);
    } else if (isOkResult(frame)) {
      rewritten = withResponseAttachments(frame, DUBBO_HEADER_SIZE, mutation);
    }
    return rewritten !== null ? rewritten : frame;
  }

  errorReply(request: Message, kind: ErrorKind, detail: string): Uint8Array {
    const out = new HessianWriter(DUBBO_HEADER_SIZE + detail.length + 8);
    out.byte(MAGIC_HIGH);
    out.byte(MAGIC_LOW);
    out.byte(HESSIAN2_SERIALIZATION_ID);
    out.byte(dubboStatusFor(kind));
    out.u64(request.requestId);
    out.u32(0);
    // A non-OK status carries the error message as one string (ExchangeCodec.encodeResponse).
    out.string(detail);
    out.patchU32(12, <u32>(out.length - DUBBO_HEADER_SIZE));
    return out.toBytes();
  }
}


/** A response (not an event) with status OK: its body is a result kind and value. */
function isOkResult(frame: Uint8Array): bool {
  const flags = frame[2];
  return (flags & (FLAG_REQUEST | FLAG_EVENT)) == 0 && frame[3] == DubboStatus.Ok;
}

/**
 * The request `frame` with its attachments map rewritten (see writeMutatedMap). Null when the
 * body cannot be walked to its attachments.
 */
function withAttachments(frame: Uint8Array, mutation: Mutation): Uint8Array | null {
  const reader = new HessianReader(new MemoryInput(frame), DUBBO_HEADER_SIZE, frame.length, frame.length);
  const layout = new RequestLayout();
  if (!readRequestHead(reader, null, layout) || !skipArguments(reader, layout)) return null;
  const out = new HessianWriter(frame.length + 64 * (mutation.size + 1));
  out.bytes(frame.subarray(0, reader.pos));
  if (!writeMutatedMap(frame, reader, out, mutation)) return null;
  out.bytes(frame.subarray(reader.pos, frame.length));
  out.patchU32(12, <u32>(out.length - DUBBO_HEADER_SIZE));
  return out.toBytes();
}

export class DubboCodecFactory extends CodecFactory {
  get name(): string {
    return "dubbo";
  }
  create(maxFrameSize: i32): Codec {
    return new DubboCodec(maxFrameSize);
  }
}
