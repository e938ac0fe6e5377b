// Thrift compact-protocol oneway messages (`oneway void notify(1: string note)` of
// tests/peers/thrift/echo.thrift), framed and buffered: decoded as MessageType.Oneway with the
// method name and seqid, at every split. The first three frames were written by the `thrift` npm
// package 0.24.0's TCompactProtocol (writeMessageBegin(name, ONEWAY, seqid), the args struct,
// flush through TFramedTransport or TBufferedTransport); the others are made by hand. Each byte is
// explained beside it.
import { ThriftCodec } from "../../../assembly/codecs/thrift";
import { DecodeStatus, Direction } from "../../../assembly/meta/codec";
import { Message, MessageType } from "../../../assembly/meta/message";
import * as golden from "../fixtures/thrift";
import { bytesOf, checkEverySplit, concatBytes, decodeFrames, decodeOne, MAX } from "./codec-checks";

// Framed: notify("note-7"), seqid 7.
const FRAMED_NOTIFY: u8[] = [
  0x00, 0x00, 0x00, 0x13, // frame length 19
  0x82, // compact protocol id
  0x81, // version 1 | type ONEWAY (4) << 5
  0x07, // seqid 7 (varint)
  0x06, 0x6e, 0x6f, 0x74, 0x69, 0x66, 0x79, // name: length 6, "notify"
  0x18, // field delta 1, type BINARY (8)
  0x06, 0x6e, 0x6f, 0x74, 0x65, 0x2d, 0x37, // "note-7"
  0x00, // STOP
];

// Buffered (no frame length): notify("note-300"), seqid 300.
const BUFFERED_NOTIFY: u8[] = [
  0x82, 0x81, // compact, version 1 | ONEWAY
  0xac, 0x02, // seqid 300 (varint: 0x2c | 0x80, 0x02)
  0x06, 0x6e, 0x6f, 0x74, 0x69, 0x66, 0x79, // "notify"
  0x18, 0x08, 0x6e, 0x6f, 0x74, 0x65, 0x2d, 0x33, 0x30, 0x30, // field 1 BINARY: "note-300"
  0x00, // STOP
];

// Buffered, multiplexed (TMultiplexedProtocol's "Service:method"): notify("n") on service Echo, seqid 1.
const BUFFERED_MULTIPLEXED_NOTIFY: u8[] = [
  0x82, 0x81, 0x01, // compact, ONEWAY, seqid 1
  0x0b, 0x45, 0x63, 0x68, 0x6f, 0x3a, 0x6e, 0x6f, 0x74, 0x69, 0x66, 0x79, // "Echo:notify"
  0x18, 0x01, 0x6e, // field 1 BINARY: "n"
  0x00, // STOP
];

// By hand, buffered: the largest seqid, and arguments the struct walk must skip value by value:
// `oneway void audit(1: list<i64> ids, 2: map<string, i32> tags, 3: Note note)` with a nested struct.
const BUFFERED_AUDIT: u8[] = [
  0x82, 0x81, // compact, ONEWAY
  0xff, 0xff, 0xff, 0xff, 0x07, // seqid 2147483647 (5-byte varint)
  0x05, 0x61, 0x75, 0x64, 0x69, 0x74, // "audit"
  0x19, 0x36, 0x02, 0x04, 0xfe, 0x03, // field 1 LIST: 3 x I64 (6): zigzag 1, 2, 255
  0x1b, 0x01, 0x85, 0x01, 0x6b, 0x02, // field 2 MAP: 1 entry, BINARY (8) -> I32 (5): "k" -> zigzag 1
  0x1c, // field 3 STRUCT (12)
  0x11, // nested field 1 BOOLEAN_TRUE (1)
  0x18, 0x00, // nested field 2 BINARY: ""
  0x00, // nested STOP
  0x00, // STOP
];

const FRAMES: u8[][] = [FRAMED_NOTIFY, BUFFERED_NOTIFY, BUFFERED_MULTIPLEXED_NOTIFY, BUFFERED_AUDIT];
const METHODS = ["notify", "notify", "notify", "audit"];
const SEQIDS: u64[] = [7, 300, 1, 2147483647];

describe("ThriftCodec with compact oneway messages", () => {
  it("decodes each as Oneway with its method and seqid, to the frame's end", () => {
    for (let i = 0; i < FRAMES.length; i++) {
      const frame = bytesOf(FRAMES[i]);
      const m = new Message();
      expect(decodeOne(new ThriftCodec(MAX), frame, Direction.Downstream, m)).toBe(DecodeStatus.Done);
      expect(m.frameSize).toBe(frame.length);
      expect(m.type).toBe(MessageType.Oneway);
      expect(m.metadata.get("method")).toBe(METHODS[i]);
      expect(m.requestId).toBe(SEQIDS[i]);
    }
  });

  it("reads the service of a multiplexed oneway call; a plain one has none", () => {
    const m = new Message();
    decodeOne(new ThriftCodec(MAX), bytesOf(BUFFERED_MULTIPLEXED_NOTIFY), Direction.Downstream, m);
    expect(m.metadata.get("service")).toBe("Echo");
    decodeOne(new ThriftCodec(MAX), bytesOf(BUFFERED_NOTIFY), Direction.Downstream, m);
    expect(m.metadata.get("service")).toBeNull();
  });

  it("at every split: framed once its header is in, buffered only when the whole struct is", () => {
    const framed = bytesOf(FRAMED_NOTIFY);
    // 4 length bytes, protocol id, version|type, seqid, name length and "notify".
    expect(checkEverySplit(new ThriftCodec(MAX), framed, Direction.Downstream)).toBe(4 + 3 + 7);
    for (let i = 1; i < FRAMES.length; i++) {
      const frame = bytesOf(FRAMES[i]);
      expect(checkEverySplit(new ThriftCodec(MAX), frame, Direction.Downstream)).toBe(frame.length);
    }
  });

  it("waits when a buffered message stops between a map's size and its key and value types", () => {
    // BUFFERED_AUDIT up to field 2's map size (0x01): the types byte 0x85 has not arrived yet.
    const m = new Message();
    expect(decodeOne(new ThriftCodec(MAX), bytesOf(BUFFERED_AUDIT).subarray(0, 21), Direction.Downstream, m)).toBe(DecodeStatus.NeedMoreData);
  });

  it("takes a oneway message and a call back to back, each with its own type", () => {
    const data = concatBytes(bytesOf(BUFFERED_AUDIT), bytesOf(golden.COMPACT_BUFFERED_ECHO_REQUEST));
    const messages = decodeFrames(new ThriftCodec(MAX), data, Direction.Downstream);
    expect(messages.length).toBe(2);
    expect(messages[0].type).toBe(MessageType.Oneway);
    expect(messages[0].metadata.get("method")).toBe("audit");
    expect(messages[1].type).toBe(MessageType.Request);
    expect(messages[1].metadata.get("method")).toBe("echo");
  });

  it("refuses a oneway message whose struct holds an unknown type", () => {
    const bad: u8[] = [0x82, 0x81, 0x01, 0x01, 0x61, 0x1e, 0x00]; // field 1 of type 14: none in compact
    const m = new Message();
    expect(decodeOne(new ThriftCodec(MAX), bytesOf(bad), Direction.Downstream, m)).toBe(DecodeStatus.Error);
  });
});
