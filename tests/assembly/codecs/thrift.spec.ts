import { ThriftCodec } from "../../../assembly/codecs/thrift";
import { DecodeStatus, Direction } from "../../../assembly/meta/codec";
import { ErrorKind, Message, MessageType, ResponseStatus } from "../../../assembly/meta/message";
import * as golden from "../fixtures/thrift";
import { bytesOf, checkEverySplit, concatBytes, decodeOne, decodeFrames, MAX } from "./codec-checks";

const REQUESTS: u8[][] = [
  golden.BINARY_FRAMED_HELLO_REQUEST, golden.COMPACT_FRAMED_HELLO_REQUEST, golden.BINARY_BUFFERED_HELLO_REQUEST,
  golden.COMPACT_BUFFERED_MULTIPLEXED_HELLO_REQUEST, golden.BINARY_FRAMED_FAIL_REQUEST, golden.COMPACT_BUFFERED_ECHO_REQUEST,
];
const RESPONSES: u8[][] = [
  golden.BINARY_FRAMED_HELLO_RESPONSE, golden.COMPACT_FRAMED_HELLO_RESPONSE, golden.BINARY_BUFFERED_HELLO_RESPONSE,
  golden.COMPACT_BUFFERED_MULTIPLEXED_HELLO_RESPONSE, golden.BINARY_FRAMED_FAIL_RESPONSE, golden.COMPACT_BUFFERED_ECHO_RESPONSE,
];

describe("ThriftCodec with frames from the thrift npm peers", () => {
  it("decodes calls of every protocol and transport: method, seqid, type", () => {
    const names = ["hello", "hello", "hello", "hello", "fail", "echo"];
    for (let i = 0; i < REQUESTS.length; i++) {
      const m = new Message();
      const frame = bytesOf(REQUESTS[i]);
      expect(decodeOne(new ThriftCodec(MAX), frame, Direction.Downstream, m)).toBe(DecodeStatus.Done);
      expect(m.frameSize).toBe(frame.length);
      expect(m.type).toBe(MessageType.Request);
      expect(m.metadata.get("method")).toBe(names[i]);
      expect(m.requestId).toBeGreaterThan(0);
    }
  });

  it("reads the service of a multiplexed call", () => {
    const m = new Message();
    decodeOne(new ThriftCodec(MAX), bytesOf(golden.COMPACT_BUFFERED_MULTIPLEXED_HELLO_REQUEST), Direction.Downstream, m);
    expect(m.metadata.get("service")).toBe("Echo");
  });

  it("pairs replies by seqid; a declared exception is an error", () => {
    for (let i = 0; i < RESPONSES.length; i++) {
      const req = new Message();
      const res = new Message();
      decodeOne(new ThriftCodec(MAX), bytesOf(REQUESTS[i]), Direction.Downstream, req);
      expect(decodeOne(new ThriftCodec(MAX), bytesOf(RESPONSES[i]), Direction.Upstream, res)).toBe(DecodeStatus.Done);
      expect(res.type).toBe(MessageType.Response);
      expect(res.requestId).toBe(req.requestId);
      expect(res.status).toBe(i == 4 ? ResponseStatus.Error : ResponseStatus.Ok);
    }
  });

  it("needs more data until the header (framed) or the whole struct (unframed), at every split", () => {
    for (let i = 0; i < REQUESTS.length; i++) checkEverySplit(new ThriftCodec(MAX), bytesOf(REQUESTS[i]), Direction.Downstream);
    for (let i = 0; i < RESPONSES.length; i++) checkEverySplit(new ThriftCodec(MAX), bytesOf(RESPONSES[i]), Direction.Upstream);
  });

  it("decodes a framed call from its header, before the payload arrives", () => {
    const frame = bytesOf(golden.BINARY_FRAMED_HELLO_REQUEST);
    const first = checkEverySplit(new ThriftCodec(MAX), frame, Direction.Downstream);
    expect(first).toBeLessThan(frame.length);
  });

  it("takes frames back to back", () => {
    const data = concatBytes(bytesOf(golden.COMPACT_BUFFERED_ECHO_REQUEST), bytesOf(golden.BINARY_BUFFERED_HELLO_REQUEST));
    expect(decodeFrames(new ThriftCodec(MAX), data, Direction.Downstream).length).toBe(2);
  });

  it("refuses a frame over maxFrameSize, THeader, garbage and deep nesting", () => {
    const m = new Message();
    expect(decodeOne(new ThriftCodec(16), bytesOf(golden.BINARY_FRAMED_HELLO_REQUEST), Direction.Downstream, m)).toBe(DecodeStatus.Error);
    const header: u8[] = [0, 0, 0, 20, 0x0f, 0xff, 0, 0];
    expect(decodeOne(new ThriftCodec(MAX), bytesOf(header), Direction.Downstream, m)).toBe(DecodeStatus.Error);
    const garbage: u8[] = [0x47, 0x45, 0x54, 0x20, 0x2f, 0x20, 0x48, 0x54];
    expect(decodeOne(new ThriftCodec(MAX), bytesOf(garbage), Direction.Downstream, m)).toBe(DecodeStatus.Error);
    // An unframed binary call whose struct nests 100 structs deep.
    const deep: u8[] = [0x80, 0x01, 0x00, 0x01, 0, 0, 0, 1, 0x61, 0, 0, 0, 1];
    for (let i = 0; i < 100; i++) deep.push(12), deep.push(0), deep.push(1);
    expect(decodeOne(new ThriftCodec(MAX), bytesOf(deep), Direction.Downstream, m)).toBe(DecodeStatus.Error);
    // A negative string length.
    const negative: u8[] = [0x80, 0x01, 0x00, 0x01, 0, 0, 0, 1, 0x61, 0, 0, 0, 1, 11, 0, 1, 0xff, 0xff, 0xff, 0xf0];
    expect(decodeOne(new ThriftCodec(MAX), bytesOf(negative), Direction.Downstream, m)).toBe(DecodeStatus.Error);
  });

  it("writes error replies and probes in the connection's protocol, with the request's seqid", () => {
    for (let i = 0; i < REQUESTS.length; i++) {
      const codec = new ThriftCodec(MAX);
      const req = new Message();
      decodeOne(codec, bytesOf(REQUESTS[i]), Direction.Downstream, req);
      const reply = new Message();
      expect(decodeOne(new ThriftCodec(MAX), codec.errorReply(req, ErrorKind.OverLimit, "rate limited"), Direction.Upstream, reply)).toBe(DecodeStatus.Done);
      expect(reply.status).toBe(ResponseStatus.Error);
      expect(reply.requestId).toBe(req.requestId);
      const probe = new Message();
      expect(decodeOne(new ThriftCodec(MAX), codec.probeRequest(req)!, Direction.Downstream, probe)).toBe(DecodeStatus.Done);
      expect(probe.requestId).toBe(req.requestId);
      expect(probe.metadata.get("service")).toBe(req.metadata.get("service"));
    }
  });
});
