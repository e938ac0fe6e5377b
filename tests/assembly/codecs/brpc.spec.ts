import { BrpcCodec } from "../../../assembly/codecs/brpc";
import { DecodeStatus, Direction } from "../../../assembly/meta/codec";
import { FrameInput, MemoryInput } from "../../../assembly/meta/input";
import { ErrorKind, Message, MessageType, ResponseStatus } from "../../../assembly/meta/message";
import { Mutation } from "../../../assembly/meta/mutation";
import * as golden from "../fixtures/brpc";
import { bytesOf, checkEverySplit, concatBytes, decodeFrames, decodeOne, MAX } from "./codec-checks";

/** "PRPC", body_size, meta_size, then `meta` and `rest` (payload and attachment). */
function frameOf(meta: u8[], rest: i32 = 0): Uint8Array {
  const body = meta.length + rest;
  const head: u8[] = [0x50, 0x52, 0x50, 0x43, 0, 0, <u8>(body >> 8), <u8>body, 0, 0, <u8>(meta.length >> 8), <u8>meta.length];
  return concatBytes(concatBytes(bytesOf(head), bytesOf(meta)), new Uint8Array(rest));
}

function statusOf(data: Uint8Array, max: i32 = MAX): DecodeStatus {
  return decodeOne(new BrpcCodec(max), data, Direction.Downstream, new Message());
}

function encoded(request: u8[], mutation: Mutation, m: Message): Uint8Array {
  const codec = new BrpcCodec(MAX);
  const frame = bytesOf(request);
  decodeOne(codec, frame, Direction.Downstream, m);
  return codec.encode(new MemoryInput(frame), m, mutation);
}

/** Records the furthest byte a decode asked for. */
class RecordingInput extends FrameInput {
  furthest: i32 = 0;
  constructor(private data: Uint8Array) {
    super();
  }
  get available(): i32 {
    return this.data.length;
  }
  bytes(offset: i32, length: i32): Uint8Array {
    if (offset + length > this.furthest) this.furthest = offset + length;
    return this.data.subarray(offset, offset + length);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): bool {
  if (a.length != b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] != b[i]) return false;
  return true;
}

describe("BrpcCodec with frames from the spec-built peers", () => {
  it("reads service, method, log id, request id, user fields and correlation id from RpcMeta", () => {
    const m = new Message();
    const frame = bytesOf(golden.ECHO_REQUEST);
    expect(decodeOne(new BrpcCodec(MAX), frame, Direction.Downstream, m)).toBe(DecodeStatus.Done);
    expect(m.frameSize).toBe(frame.length);
    expect(m.type).toBe(MessageType.Request);
    expect(m.metadata.get("service")).toBe("example.EchoService");
    expect(m.metadata.get("interface")).toBe("example.EchoService");
    expect(m.metadata.get("log_id")).toBe("0");
    expect(m.metadata.get("request_id")).toBe("req-0");
    expect(m.metadata.get("tenant")).toBe("blue");
    // The client also sent a user field "method": the real method name wins.
    expect(m.metadata.get("method")).toBe("Echo");
    expect(m.requestId).toBe(1000);
    // meta_size 0x4f; the rest is 40 bytes of payload and a 5-byte attachment, passed unread.
    expect(m.headerSize).toBe(12 + 0x4f);
    expect(m.bodySize).toBe(40 + 5);
  });

  it("pairs responses by correlation id; an error_code is an error", () => {
    const ok = new Message();
    const failed = new Message();
    const unknown = new Message();
    decodeOne(new BrpcCodec(MAX), bytesOf(golden.ECHO_RESPONSE), Direction.Upstream, ok);
    decodeOne(new BrpcCodec(MAX), bytesOf(golden.FAIL_RESPONSE), Direction.Upstream, failed);
    decodeOne(new BrpcCodec(MAX), bytesOf(golden.UNKNOWN_METHOD_RESPONSE), Direction.Upstream, unknown);
    expect(ok.type).toBe(MessageType.Response);
    expect(ok.requestId).toBe(1000);
    expect(ok.status).toBe(ResponseStatus.Ok);
    expect(ok.metadata.get("tenant")).toBe("blue");
    expect(ok.bodySize).toBe(45);
    expect(failed.requestId).toBe(1000);
    expect(failed.status).toBe(ResponseStatus.Error);
    expect(unknown.status).toBe(ResponseStatus.Error);
  });

  it("decodes from the meta at every split, before payload and attachment arrive", () => {
    const frame = bytesOf(golden.ECHO_REQUEST);
    expect(checkEverySplit(new BrpcCodec(MAX), frame, Direction.Downstream)).toBe(12 + 0x4f);
    expect(checkEverySplit(new BrpcCodec(MAX), bytesOf(golden.ECHO_RESPONSE), Direction.Upstream)).toBeLessThan(golden.ECHO_RESPONSE.length);
    checkEverySplit(new BrpcCodec(MAX), bytesOf(golden.FAIL_REQUEST), Direction.Downstream);
    checkEverySplit(new BrpcCodec(MAX), bytesOf(golden.FAIL_RESPONSE), Direction.Upstream);
    checkEverySplit(new BrpcCodec(MAX), bytesOf(golden.UNKNOWN_METHOD_REQUEST), Direction.Downstream);
    checkEverySplit(new BrpcCodec(MAX), bytesOf(golden.UNKNOWN_METHOD_RESPONSE), Direction.Upstream);
  });

  it("reads the header and the meta only, however large the payload", () => {
    const echo = bytesOf(golden.ECHO_REQUEST);
    const metaEnd = 12 + 0x4f;
    const big = new Uint8Array(metaEnd + (1 << 20));
    big.set(echo.subarray(0, metaEnd));
    const body = big.length - 12;
    big[4] = <u8>(body >>> 24);
    big[5] = <u8>(body >>> 16);
    big[6] = <u8>(body >>> 8);
    big[7] = <u8>body;
    const input = new RecordingInput(big);
    const m = new Message();
    expect(new BrpcCodec(MAX).decode(input, Direction.Downstream, m)).toBe(DecodeStatus.Done);
    expect(m.frameSize).toBe(big.length);
    expect(m.metadata.get("tenant")).toBe("blue");
    expect(input.furthest).toBe(metaEnd);
  });

  it("waits for the header, then for the whole meta, and no more", () => {
    const frame = bytesOf(golden.ECHO_REQUEST);
    const metaEnd = 12 + 0x4f;
    const m = new Message();
    expect(decodeOne(new BrpcCodec(MAX), frame.subarray(0, 5), Direction.Downstream, m)).toBe(DecodeStatus.NeedMoreData);
    expect(decodeOne(new BrpcCodec(MAX), frame.subarray(0, metaEnd - 1), Direction.Downstream, m)).toBe(DecodeStatus.NeedMoreData);
    expect(decodeOne(new BrpcCodec(MAX), frame.subarray(0, metaEnd), Direction.Downstream, m)).toBe(DecodeStatus.Done);
    expect(m.frameSize).toBe(frame.length);
  });

  it("takes frames back to back", () => {
    const requests = concatBytes(concatBytes(bytesOf(golden.ECHO_REQUEST), bytesOf(golden.FAIL_REQUEST)), bytesOf(golden.UNKNOWN_METHOD_REQUEST));
    const taken = decodeFrames(new BrpcCodec(MAX), requests, Direction.Downstream);
    expect(taken.length).toBe(3);
    expect(taken[0].metadata.get("method")).toBe("Echo");
    expect(taken[1].metadata.get("method")).toBe("Fail");
    expect(taken[2].metadata.get("method")).toBe("Nope");
    const responses = concatBytes(bytesOf(golden.ECHO_RESPONSE), bytesOf(golden.FAIL_RESPONSE));
    const answers = decodeFrames(new BrpcCodec(MAX), responses, Direction.Upstream);
    expect(answers.length).toBe(2);
    expect(answers[1].status).toBe(ResponseStatus.Error);
  });

  it("checks body_size against maxFrameSize and meta_size against body_size from the header", () => {
    const echo = bytesOf(golden.ECHO_REQUEST);
    expect(statusOf(echo, echo.length)).toBe(DecodeStatus.Done);
    expect(statusOf(echo, echo.length - 1)).toBe(DecodeStatus.Error);
    // body_size 0xffffffff: refused from the 12 header bytes, without overflow.
    expect(statusOf(bytesOf([0x50, 0x52, 0x50, 0x43, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]), i32.MAX_VALUE)).toBe(DecodeStatus.Error);
    // meta_size 9 > body_size 4.
    const codec = new BrpcCodec(MAX);
    expect(decodeOne(codec, bytesOf([0x50, 0x52, 0x50, 0x43, 0, 0, 0, 4, 0, 0, 0, 9]), Direction.Downstream, new Message())).toBe(DecodeStatus.Error);
    expect(codec.lastError).toBe("brpc: meta size exceeds body size");
  });

  it("refuses other protocols by the magic, even before the header is complete", () => {
    expect(statusOf(bytesOf([0x48, 0x54, 0x54, 0x50, 0, 0, 0, 0, 0, 0, 0, 0]))).toBe(DecodeStatus.Error);
    expect(statusOf(bytesOf([0x47, 0x45]))).toBe(DecodeStatus.Error); // "GE"
    expect(statusOf(bytesOf([0x50, 0x52, 0x50]))).toBe(DecodeStatus.NeedMoreData);
  });

  it("refuses malformed RpcMeta: truncated or overlong varints, wrong wire types, field 0, lengths past their end", () => {
    const cases: u8[][] = [
      [0x20, 0x80], // correlation_id (4, varint) cut short at the end of the meta
      [0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], // an 11-byte varint
      [0x0b, 0x00], // field 1 with wire type 3 (start group)
      [0x0e, 0x00], // wire type 6
      [0x0a, 0x05, 0x0a, 0x01, 0x73], // request (1) claims 5 bytes, 3 remain
      [0x0a, 0x03, 0x0a, 0x05, 0x73], // service_name claims 5 bytes inside a 3-byte request
      [0x4a, 0x03, 0x0a, 0x01, 0x6b, 0x12], // a user_fields entry whose value is cut off
      [0x12, 0x02, 0x08, 0x80], // error_code truncated inside the response meta
      [0x31, 0x01, 0x02], // a fixed64 field with 2 of its 8 bytes
      [0x00, 0x00], // field number 0
      [0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00], // a tag beyond 32 bits
      [0x0a, 0x02, 0x00, 0x00], // field number 0 inside the request meta
    ];
    for (let i = 0; i < cases.length; i++) expect(statusOf(frameOf(cases[i]))).toBe(DecodeStatus.Error);
  });

  it("skips unknown fields of every wire type", () => {
    const m = new Message();
    const meta: u8[] = [
      0x18, 0x01, // compress_type 1
      0x31, 1, 2, 3, 4, 5, 6, 7, 8, // field 6 as fixed64
      0x3d, 1, 2, 3, 4, // field 7 as fixed32
      0x3a, 0x02, 0x61, 0x62, // authentication_data "ab"
      0x20, 0x2a, // correlation_id 42
    ];
    expect(decodeOne(new BrpcCodec(MAX), frameOf(meta, 3), Direction.Downstream, m)).toBe(DecodeStatus.Done);
    expect(m.requestId).toBe(42);
    expect(m.bodySize).toBe(3);
  });

  it("passes frames unchanged without a mutation, and writes a mutation into user_fields", () => {
    const m = new Message();
    expect(sameBytes(encoded(golden.ECHO_REQUEST, new Mutation(), m), bytesOf(golden.ECHO_REQUEST))).toBe(true);
    const mutation = new Mutation();
    mutation.set("tenant", "green");
    mutation.set("zone", "a");
    const out = encoded(golden.ECHO_REQUEST, mutation, m);
    const again = new Message();
    expect(decodeOne(new BrpcCodec(MAX), out, Direction.Downstream, again)).toBe(DecodeStatus.Done);
    expect(again.frameSize).toBe(out.length);
    expect(again.metadata.get("tenant")).toBe("green");
    expect(again.metadata.get("zone")).toBe("a");
    expect(again.metadata.get("method")).toBe("Echo");
    expect(again.metadata.get("request_id")).toBe("req-0");
    expect(again.requestId).toBe(1000);
    // The old tenant entry (16 bytes) is gone; tenant=green (17) and zone=a (11) are appended.
    expect(again.headerSize).toBe(12 + 0x4f - 16 + 17 + 11);
    // Payload and attachment follow unchanged.
    const tail = golden.ECHO_REQUEST.length - m.headerSize;
    expect(again.bodySize).toBe(tail);
    expect(sameBytes(out.subarray(out.length - tail), bytesOf(golden.ECHO_REQUEST).subarray(m.headerSize))).toBe(true);
  });

  it("writes error replies with the request's correlation id, brpc's errno and the detail", () => {
    const codec = new BrpcCodec(MAX);
    const req = new Message();
    decodeOne(codec, bytesOf(golden.ECHO_REQUEST), Direction.Downstream, req);
    const expected: u8[] = [
      0x50, 0x52, 0x50, 0x43, 0, 0, 0, 0x16, 0, 0, 0, 0x16, // "PRPC", body 22, meta 22, no payload
      0x12, 0x11, // response (2), 17 bytes
      0x08, 0xd4, 0x0f, // error_code 2004 (ELIMIT)
      0x12, 0x0c, 0x72, 0x61, 0x74, 0x65, 0x20, 0x6c, 0x69, 0x6d, 0x69, 0x74, 0x65, 0x64, // error_text "rate limited"
      0x20, 0xe8, 0x07, // correlation_id 1000
    ];
    const reply = codec.errorReply(req, ErrorKind.OverLimit, "rate limited");
    expect(sameBytes(reply, bytesOf(expected))).toBe(true);
    const back = new Message();
    expect(decodeOne(codec, reply, Direction.Upstream, back)).toBe(DecodeStatus.Done);
    expect(back.requestId).toBe(req.requestId);
    expect(back.status).toBe(ResponseStatus.Error);
    // RouteNotFound is ENOSERVICE (1001 = 0xe9 0x07).
    const noRoute = codec.errorReply(req, ErrorKind.RouteNotFound, "");
    expect(noRoute[14]).toBe(0x08);
    expect(noRoute[15]).toBe(0xe9);
    expect(noRoute[16]).toBe(0x07);
  });

  it("probes with a call to a service no server has, same correlation id", () => {
    const codec = new BrpcCodec(MAX);
    const req = new Message();
    decodeOne(codec, bytesOf(golden.FAIL_REQUEST), Direction.Downstream, req);
    const probe = new Message();
    expect(decodeOne(codec, codec.probeRequest(req)!, Direction.Downstream, probe)).toBe(DecodeStatus.Done);
    expect(probe.requestId).toBe(req.requestId);
    expect(probe.metadata.get("service")).toBe("__meta_protocol_probe");
    expect(probe.bodySize).toBe(0);
  });
});
