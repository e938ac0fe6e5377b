// The codec contract: a protocol joins by implementing these three calls and registering a
// factory (see registry.ts). A codec depends only on this folder's types and byte helpers.
import { FrameInput } from "./input";
import { ErrorKind, Message } from "./message";
import { Mutation } from "./mutation";

export enum DecodeStatus {
  /** Not enough bytes yet to tell where the frame ends or to read its header. */
  NeedMoreData = 0,
  /**
   * One frame decoded: `frameSize` says how many bytes it spans. It may exceed `input.available`
   * when the head of the frame held everything the codec needs: the rest passes unread.
   */
  Done = 1,
  /** The bytes are not this protocol (or exceed limits): close the connection. */
  Error = 2,
}

export class DecodeResult {
  status: DecodeStatus = DecodeStatus.NeedMoreData;
  /** With Done: bytes of the whole frame. With NeedMoreData: bytes known to be needed (0 if unknown). */
  frameSize: i32 = 0;
  /** With Error: why, for logs and counters. */
  error: string = "";

  static needMore(atLeast: i32 = 0): DecodeResult {
    const r = new DecodeResult();
    r.frameSize = atLeast;
    return r;
  }
  static done(frameSize: i32): DecodeResult {
    const r = new DecodeResult();
    r.status = DecodeStatus.Done;
    r.frameSize = frameSize;
    return r;
  }
  static fail(error: string): DecodeResult {
    const r = new DecodeResult();
    r.status = DecodeStatus.Error;
    r.error = error;
    return r;
  }
}

/** Which way the bytes travel: requests come downstream, responses upstream. */
export enum Direction {
  Downstream = 0,
  Upstream = 1,
}

export abstract class Codec {
  /**
   * Decodes one frame at the start of `input` into `message` (reset by the caller). Must read
   * only the ranges it needs: cost follows the header, not the payload. Returns Done as soon as
   * the frame's length and metadata are known, even before the payload has arrived. Frames larger
   * than `maxFrameSize` are an Error, found from the length field without reading the frame.
   * Malformed bytes are an Error too: every read is bounds-checked, nothing traps.
   */
  abstract decode(input: FrameInput, direction: Direction, message: Message, maxFrameSize: i32): DecodeResult;

  /** Re-serialises the frame at the start of `input` (already decoded into `message`) with `mutation` applied. */
  abstract encode(input: FrameInput, message: Message, mutation: Mutation): Uint8Array;

  /** The protocol's error reply to `request`, as the server would send it. */
  abstract errorReply(request: Message, kind: ErrorKind, detail: string): Uint8Array;

  /**
   * A request the upstream answers cheaply and harmlessly, paired like `request` (same request id,
   * or same place in line), sent in its place when a filter answers `request` itself: a network
   * filter can write to the client only while upstream bytes pass, so the local reply replaces the
   * upstream's answer to this probe (Dubbo heartbeat, Redis PING, a call to an unknown method).
   * Null when the protocol has none: the framework then closes the connection instead.
   */
  probeRequest(request: Message): Uint8Array | null {
    return null;
  }

  /** True for protocols without request ids (Redis): responses answer requests in order. */
  pairsByOrder(): bool {
    return false;
  }
}

/** Makes one codec per connection (codecs may keep per-connection state, e.g. a detected transport). */
export abstract class CodecFactory {
  abstract get name(): string;
  abstract create(): Codec;
}
