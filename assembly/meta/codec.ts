// The codec contract: a protocol joins by implementing these three calls and registering a
// factory (see registry.ts). A codec depends only on this folder's types and byte helpers.
import { FrameInput } from "./input";
import { ErrorKind, Message } from "./message";
import { Mutation } from "./mutation";

export enum DecodeStatus {
  /** Not enough bytes yet to tell where the frame ends or to read its header. */
  NeedMoreData = 0,
  /**
   * One frame decoded: `message.frameSize` says how many bytes it spans. It may exceed
   * `input.available` when the head of the frame held everything the codec needs: the rest
   * passes unread.
   */
  Done = 1,
  /** The bytes are not this protocol (or exceed limits): close the connection. `lastError` says why. */
  Error = 2,
}

/** Which way the bytes travel: requests come downstream, responses upstream. */
export enum Direction {
  Downstream = 0,
  Upstream = 1,
}

export abstract class Codec {
  /**
   * Why the last `decode` answered Error, for logs and counters. It lives on the codec, not the
   * message: an error is about the connection's byte stream (which then closes), not a frame.
   */
  lastError: string = "";

  /** Frames larger than `maxFrameSize` (the plugin configuration's) are a decode Error. */
  constructor(readonly maxFrameSize: i32) {}

  /**
   * Decodes one frame at the start of `input` into `message` (reset by the caller) and, with
   * Done, sets `message.frameSize`. Must read only the ranges it needs: cost follows the header,
   * not the payload. Answers Done as soon as the frame's length and metadata are known, even
   * before the payload has arrived. A frame larger than `maxFrameSize` is an Error, found from
   * the length field without reading the frame. Malformed bytes are an Error too: every read is
   * bounds-checked, nothing traps. Called once per frame: allocate nothing but metadata values.
   */
  abstract decode(input: FrameInput, direction: Direction, message: Message): DecodeStatus;

  /**
   * Re-serialises the frame at the start of `input` (already decoded into `message`, whole) with
   * `mutation` applied: a request, or a response where `mutatesResponses()`.
   */
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

  /**
   * True when `encode` can write a mutation into a response too (its frames carry key/values both
   * ways: Dubbo attachments, bRPC user_fields). A response that is to be mutated must be whole to
   * be re-encoded, so the framework keeps it in the module until it is; other codecs never pay that.
   */
  mutatesResponses(): bool {
    return false;
  }

  /** True for protocols without request ids (Redis): responses answer requests in order. */
  pairsByOrder(): bool {
    return false;
  }

  /** Records why decoding failed and answers Error: `return this.fail("proto: bad magic")`. */
  protected fail(reason: string): DecodeStatus {
    this.lastError = reason;
    return DecodeStatus.Error;
  }
}

/** Makes one codec per connection (codecs may keep per-connection state, e.g. a detected transport). */
export abstract class CodecFactory {
  abstract get name(): string;
  /** `maxFrameSize` is the plugin configuration's, fixed for the codec's life. */
  abstract create(maxFrameSize: i32): Codec;
}
