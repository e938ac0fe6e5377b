import { DubboCodec, DubboCodecFactory, countParameters } from "../../../assembly/codecs/dubbo";
import { HessianReader } from "../../../assembly/codecs/hessian2";
import { DecodeStatus, Direction } from "../../../assembly/meta/codec";
import { FrameInput, MemoryInput } from "../../../assembly/meta/input";
import { ErrorKind, Message, MessageType, ResponseStatus } from "../../../assembly/meta/message";
import { GROUP, METHOD } from "../../../assembly/meta/metadata-keys";
import { Mutation } from "../../../assembly/meta/mutation";
import { Bytes, SERVICE, concat, frame, sayHelloBody } from "./dubbo-frames";

const MAX: i32 = 8 * 1024 * 1024;
const codec = new DubboCodec(MAX);

function decodeBytes(bytes: Uint8Array, message: Message): DecodeStatus {
  message.reset();
  return codec.decode(new MemoryInput(bytes), Direction.Downstream, message);
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

// Request id 0x0102030405060708, two-way, hessian2 (flags 0xc2), dubbo version "2.0.2".
const REQUEST_202 = frame(0xc2, 0, 0x0102030405060708, sayHelloBody("2.0.2", "1.0.0", "world"));
// What dubbo-remoting writes: dubbo version "5.3.0", no service version.
const REQUEST_530 = frame(0xc2, 0, 7, sayHelloBody("5.3.0", "", "world"));
// OK response: flags 0x02 (hessian2), status 20, body = 0x91 (RESPONSE_VALUE) + "hi".
const RESPONSE_OK = frame(0x02, 20, 7, new Bytes().u8(0x91).str("hi").toArray());
// OK status but the body carries an exception: 0x90 (RESPONSE_WITH_EXCEPTION) + null.
const RESPONSE_EXCEPTION = frame(0x02, 20, 8, new Bytes().u8(0x90).u8(0x4e).toArray());
// Status 70 SERVICE_ERROR: the body is an error message string.
const RESPONSE_ERROR = frame(0x02, 70, 9, new Bytes().str("boom").toArray());
// Heartbeat request: request | two-way | event | hessian2 = 0xe2, body 'N' (null).
const HEARTBEAT = frame(0xe2, 0, 11, new Bytes().u8(0x4e).toArray());
// Heartbeat reply: event | hessian2 = 0x22, status 20, body 'N'.
const HEARTBEAT_REPLY = frame(0x22, 20, 11, new Bytes().u8(0x4e).toArray());
// One-way request: request | hessian2 = 0x82.
const ONEWAY = frame(0x82, 0, 12, sayHelloBody("2.0.2", "", "fire"));

describe("DubboCodec decode", () => {
  it("reads a 2.0.2 request's head at once", () => {
    const m = new Message();
    const r = decodeBytes(REQUEST_202, m);
    expect(r).toBe(DecodeStatus.Done);
    expect(m.frameSize).toBe(REQUEST_202.length);
    expect(m.type).toBe(MessageType.Request);
    expect(m.requestId).toBe(0x0102030405060708);
    expect(m.headerSize).toBe(16);
    expect(m.bodySize).toBe(REQUEST_202.length - 16);
    expect(m.metadata.get("interface")).toBe(SERVICE);
    expect(m.metadata.get("method")).toBe("sayHello");
    expect(m.metadata.get("version")).toBe("1.0.0");
  });

  it("reads a 5.3.0 request (dubbo-remoting) and leaves an empty service version absent", () => {
    const m = new Message();
    expect(decodeBytes(REQUEST_530, m)).toBe(DecodeStatus.Done);
    expect(m.requestId).toBe(7);
    expect(m.metadata.get("interface")).toBe(SERVICE);
    expect(m.metadata.get("method")).toBe("sayHello");
    expect(m.metadata.get("version")).toBeNull();
  });

  it("resolves string attachments on demand; non-string values are left out", () => {
    const m = new Message();
    decodeBytes(REQUEST_202, m);
    expect(m.metadata.get("group")).toBe("blue");
    expect(m.metadata.get("path")).toBe(SERVICE);
    expect(m.metadata.get("timeout")).toBeNull();
  });

  it("resolves only the request decoded last: an earlier one finds its attachments absent, not another frame's", () => {
    const c = new DubboCodec(MAX);
    const green = frame(0xc2, 0, 2, new Bytes()
      .str("2.0.2").str(SERVICE).str("").str("sayHello").str("").u8(0x48).str("group").str("green").u8(0x5a).toArray());
    const first = new Message();
    const second = new Message();
    expect(c.decode(new MemoryInput(REQUEST_202), Direction.Downstream, first)).toBe(DecodeStatus.Done);
    expect(c.decode(new MemoryInput(green), Direction.Downstream, second)).toBe(DecodeStatus.Done);
    expect(first.metadata.get(GROUP)).toBeNull();
    expect(first.metadata.get(METHOD)).toBe("sayHello");
    expect(second.metadata.get(GROUP)).toBe("green");
    // A request the framework resolved before the next decode (a held one) keeps its keys.
    const held = new Message();
    c.decode(new MemoryInput(REQUEST_202), Direction.Downstream, held);
    held.metadata.keys();
    c.decode(new MemoryInput(green), Direction.Downstream, second);
    expect(held.metadata.get(GROUP)).toBe("blue");
  });

  it("does not read past the body head until an attachment is asked for", () => {
    // A 4000-byte binary argument ('B' + u16 length) between the head and the attachments.
    const big = new Bytes()
      .str("2.0.2").str(SERVICE).str("").str("echoBytes").str("[B")
      .u8(0x42).u8(4000 >> 8).u8(4000 & 0xff);
    for (let i = 0; i < 4000; i++) big.u8(i & 0x7f);
    big.u8(0x48).str("group").str("green").u8(0x5a);
    const bytes = frame(0xc2, 0, 3, big.toArray());
    const input = new RecordingInput(bytes);
    const m = new Message();
    expect(codec.decode(input, Direction.Downstream, m)).toBe(DecodeStatus.Done);
    expect(m.metadata.get("method")).toBe("echoBytes");
    expect(input.furthest).toBeLessThanOrEqual(16 + 256);
    expect(m.metadata.get("group")).toBe("green");
    expect(input.furthest).toBe(bytes.length);
  });

  it("walks objects, class definitions, lists and maps in the arguments", () => {
    const body = new Bytes()
      .str("2.0.2").str(SERVICE).str("").str("complex").str("Lcom/x/Pojo;Lcom/x/Pojo;Ljava/util/List;Ljava/util/Map;J")
      .u8(0x43).str("com.x.Pojo").u8(0x92).str("name").str("age") // class def, 2 fields
      .u8(0x60).str("a").u8(0x9e) // object of def 0: "a", 14
      .u8(0x60).u8(0x4e).u8(0xc8).u8(0x20) // object of def 0: null, 32 (2-byte int)
      .u8(0x79).u8(0x51).u8(0x90) // fixed untyped list of 1: ref to value 0
      .u8(0x4d).str("java.util.HashMap").str("k").u8(0x5f).u32(0).u8(0x5a) // typed map {k: 0.0f}
      .u8(0x4c).u32(0).u32(5) // long 5 ('L' 8 bytes)
      .u8(0x48).str("group").str("g1").u8(0x5a)
      .toArray();
    const m = new Message();
    expect(decodeBytes(frame(0xc2, 0, 1, body), m)).toBe(DecodeStatus.Done);
    expect(m.metadata.get("group")).toBe("g1");
  });

  it("reads an OK response, an exception result and an error status", () => {
    const m = new Message();
    expect(decodeBytes(RESPONSE_OK, m)).toBe(DecodeStatus.Done);
    expect(m.type).toBe(MessageType.Response);
    expect(m.requestId).toBe(7);
    expect(m.status).toBe(ResponseStatus.Ok);
    decodeBytes(RESPONSE_EXCEPTION, m);
    expect(m.type).toBe(MessageType.Response);
    expect(m.status).toBe(ResponseStatus.Error);
    decodeBytes(RESPONSE_ERROR, m);
    expect(m.requestId).toBe(9);
    expect(m.status).toBe(ResponseStatus.Error);
  });

  it("reads heartbeats both ways and one-way requests", () => {
    const m = new Message();
    expect(decodeBytes(HEARTBEAT, m)).toBe(DecodeStatus.Done);
    expect(m.type).toBe(MessageType.Heartbeat);
    expect(m.requestId).toBe(11);
    decodeBytes(HEARTBEAT_REPLY, m);
    expect(m.type).toBe(MessageType.Heartbeat);
    decodeBytes(ONEWAY, m);
    expect(m.type).toBe(MessageType.Oneway);
    expect(m.metadata.get("method")).toBe("sayHello");
  });

  it("at every split: needs more data until the head is in, then decodes the same frame without its payload", () => {
    const frames: Uint8Array[] = [REQUEST_202, RESPONSE_OK, HEARTBEAT, ONEWAY];
    const m = new Message();
    const whole = new Message();
    for (let f = 0; f < frames.length; f++) {
      const bytes = frames[f];
      expect(decodeBytes(bytes, whole)).toBe(DecodeStatus.Done);
      let firstDone = -1;
      for (let n = 0; n < bytes.length; n++) {
        const r = decodeBytes(bytes.subarray(0, n), m);
        if (n < 16) {
          expect(r).toBe(DecodeStatus.NeedMoreData);
          continue;
        }
        if (r == DecodeStatus.NeedMoreData) {
          // Once done, later splits never go back to needing more.
          expect(firstDone).toBe(-1);
          continue;
        }
        if (firstDone < 0) firstDone = n;
        expect(r).toBe(DecodeStatus.Done);
        expect(m.frameSize).toBe(bytes.length);
        expect(m.type).toBe(whole.type);
        expect(m.requestId).toBe(whole.requestId);
        expect(m.status).toBe(whole.status);
        expect(m.metadata.get("method")).toBe(whole.metadata.get("method"));
        expect(m.metadata.get("interface")).toBe(whole.metadata.get("interface"));
      }
    }
  });

  it("decodes a request's head before its arguments arrive", () => {
    const m = new Message();
    // The head strings end well before the frame does: Done with the whole frame's size.
    const r = decodeBytes(REQUEST_202.subarray(0, REQUEST_202.length - 8), m);
    expect(r).toBe(DecodeStatus.Done);
    expect(m.frameSize).toBe(REQUEST_202.length);
    expect(m.metadata.get("method")).not.toBeNull();
  });

  it("probes with a heartbeat of the same id", () => {
    const m = new Message();
    decodeBytes(REQUEST_202, m);
    const probe = codec.probeRequest(m)!;
    const p = new Message();
    expect(decodeBytes(probe, p)).toBe(DecodeStatus.Done);
    expect(p.type).toBe(MessageType.Heartbeat);
    expect(p.requestId).toBe(m.requestId);
  });

  it("takes frames back to back", () => {
    const input = new MemoryInput(concat(concat(REQUEST_530, HEARTBEAT), RESPONSE_OK));
    const m = new Message();
    const expected: MessageType[] = [MessageType.Request, MessageType.Heartbeat, MessageType.Response];
    const sizes: i32[] = [REQUEST_530.length, HEARTBEAT.length, RESPONSE_OK.length];
    for (let i = 0; i < 3; i++) {
      m.reset();
      const r = codec.decode(input, Direction.Downstream, m);
      expect(r).toBe(DecodeStatus.Done);
      expect(m.frameSize).toBe(sizes[i]);
      expect(m.type).toBe(expected[i]);
      if (i == 0) expect(m.metadata.get("group")).toBe("blue");
      input.advance(m.frameSize);
    }
    expect(input.available).toBe(0);
  });
});

describe("DubboCodec encode", () => {
  it("replaces and adds attachments, fixing the body length", () => {
    const m = new Message();
    decodeBytes(REQUEST_202, m);
    const mutation = new Mutation();
    mutation.set("group", "canary");
    mutation.set("foo", "bar");
    const out = codec.encode(new MemoryInput(REQUEST_202), m, mutation);
    const again = new Message();
    expect(decodeBytes(out, again)).toBe(DecodeStatus.Done);
    expect(again.frameSize).toBe(out.length);
    expect(again.requestId).toBe(0x0102030405060708);
    expect(again.metadata.get("interface")).toBe(SERVICE);
    expect(again.metadata.get("group")).toBe("canary");
    expect(again.metadata.get("foo")).toBe("bar");
    expect(again.metadata.get("path")).toBe(SERVICE);
    // Everything up to the attachments is unchanged, the int attachment too.
    // attachments: 'H' + "path" (5) + SERVICE (48) + "group" (6) + "blue" (5) + "timeout" (8) + int (3) + 'Z'
    const headEnd = REQUEST_202.length - 77;
    for (let i = 16; i < headEnd; i++) expect(out[i]).toBe(REQUEST_202[i]);
    expect(out.length).toBe(REQUEST_202.length + 7 - 5 + 4 + 4);
  });

  it("returns the frame unchanged with an empty mutation (responses with one: dubbo-response-mutation.spec.ts)", () => {
    const m = new Message();
    decodeBytes(RESPONSE_OK, m);
    const out = codec.encode(new MemoryInput(RESPONSE_OK), m, new Mutation());
    expect(out.length).toBe(RESPONSE_OK.length);
    for (let i = 0; i < out.length; i++) expect(out[i]).toBe(RESPONSE_OK[i]);
  });

  it("returns the frame unchanged when the arguments cannot be walked", () => {
    // An object ('O') that refers to a class definition never sent.
    const body = new Bytes().str("2.0.2").str(SERVICE).str("").str("m").str("Lx;").u8(0x4f).u8(0x95)
      .u8(0x48).str("group").str("g").u8(0x5a).toArray();
    const bytes = frame(0xc2, 0, 2, body);
    const m = new Message();
    expect(decodeBytes(bytes, m)).toBe(DecodeStatus.Done);
    expect(m.metadata.get("group")).toBeNull();
    const mutation = new Mutation();
    mutation.set("foo", "bar");
    const out = codec.encode(new MemoryInput(bytes), m, mutation);
    expect(out.length).toBe(bytes.length);
  });
});

describe("DubboCodec errorReply", () => {
  it("answers with the request id, the mapped status and the detail", () => {
    const request = new Message();
    decodeBytes(REQUEST_202, request);
    const kinds: ErrorKind[] = [ErrorKind.OverLimit, ErrorKind.RouteNotFound, ErrorKind.NoHealthyUpstream, ErrorKind.BadResponse, ErrorKind.Unspecified];
    const statuses: i32[] = [100, 60, 60, 50, 80];
    for (let i = 0; i < kinds.length; i++) {
      const reply = codec.errorReply(request, kinds[i], "rate limited");
      const m = new Message();
      expect(decodeBytes(reply, m)).toBe(DecodeStatus.Done);
      expect(m.type).toBe(MessageType.Response);
      expect(m.requestId).toBe(0x0102030405060708);
      expect(m.status).toBe(ResponseStatus.Error);
      expect(<i32>reply[2]).toBe(0x02);
      expect(<i32>reply[3]).toBe(statuses[i]);
      const reader = new HessianReader(new MemoryInput(reply), 16, reply.length);
      expect(reader.readString()).toBe("rate limited");
      expect(reader.atEnd).toBe(true);
    }
  });

  it("has the registry name dubbo and makes codecs with the configured maxFrameSize", () => {
    const factory = new DubboCodecFactory();
    expect(factory.name).toBe("dubbo");
    const small = factory.create(REQUEST_202.length - 1);
    expect(small.maxFrameSize).toBe(REQUEST_202.length - 1);
    expect(small.decode(new MemoryInput(REQUEST_202), Direction.Downstream, new Message())).toBe(DecodeStatus.Error);
    expect(small.lastError).toBe("dubbo: frame exceeds maxFrameSize");
    expect(factory.create(REQUEST_202.length).decode(new MemoryInput(REQUEST_202), Direction.Downstream, new Message())).toBe(DecodeStatus.Done);
  });
});

describe("hessian2 strings", () => {
  it("reads multi-byte UTF-8 and chunked strings written by the writer", () => {
    const request = new Message();
    decodeBytes(REQUEST_202, request);
    let long = "";
    for (let i = 0; i < 0x8000 + 10; i++) long += i % 2 == 0 ? "é" : "中";
    const reply = codec.errorReply(request, ErrorKind.Unspecified, long);
    const reader = new HessianReader(new MemoryInput(reply), 16, reply.length);
    expect(reader.readString()).toBe(long);
    expect(reader.atEnd).toBe(true);
  });

  it("counts parameters of method descriptors", () => {
    expect(countParameters("")).toBe(0);
    expect(countParameters("Ljava/lang/String;")).toBe(1);
    expect(countParameters("IJ[B[[Ljava/lang/Object;Z")).toBe(5);
    expect(countParameters("Ljava/lang/String")).toBe(-1);
    expect(countParameters("Q")).toBe(-1);
    expect(countParameters("[")).toBe(-1);
  });
});

// Malformed frames: each must give Error or NeedMoreData (never trap), and asking for any key
// afterwards must not trap either.
function malformed(): Uint8Array[] {
  const cases: Uint8Array[] = [];
  const bad = REQUEST_202.slice();
  bad[1] = 0xbc; // bad magic
  cases.push(bad);
  // the service path claims 46 chars but the body ends after 3
  cases.push(frame(0xc2, 0, 1, new Bytes().str("2.0.2").u8(0x30).u8(0x2e).ascii("org").toArray()));
  // 'S' string with a length past the body
  cases.push(frame(0xc2, 0, 1, new Bytes().str("2.0.2").u8(0x53).u8(0xff).u8(0xff).ascii("x").toArray()));
  // a UTF-8 continuation byte where a character must start
  cases.push(frame(0xc2, 0, 1, new Bytes().str("2.0.2").u8(0x01).u8(0x80).toArray()));
  // an int where the service path must be
  cases.push(frame(0xc2, 0, 1, new Bytes().str("2.0.2").u8(0x91).toArray()));
  // empty body on a request
  cases.push(frame(0xc2, 0, 1, new Uint8Array(0)));
  // absurd body length 0xffffffff with nothing behind it
  cases.push(new Bytes().u8(0xda).u8(0xbb).u8(0xc2).u8(0).u32(0).u32(1).u32(0xffffffff).toArray());
  // body length just past maxFrameSize
  cases.push(new Bytes().u8(0xda).u8(0xbb).u8(0xc2).u8(0).u32(0).u32(1).u32(<u32>(MAX - 15)).toArray());
  return cases;
}

describe("DubboCodec malformed input", () => {
  it("returns Error, never traps", () => {
    const cases = malformed();
    const m = new Message();
    for (let i = 0; i < cases.length; i++) {
      const r = decodeBytes(cases[i], m);
      expect(r).toBe(DecodeStatus.Error, "case " + i.toString());
      expect(codec.lastError.length).toBeGreaterThan(0);
    }
  });

  it("fails soft when arguments or attachments are broken", () => {
    const tails: Uint8Array[] = [
      new Bytes().u8(0x57).toArray(), // variable list never closed
      new Bytes().u8(0x60).toArray(), // object without class definition
      new Bytes().u8(0x58).u8(0xd7).u8(0xff).u8(0xff).toArray(), // list of 524287 elements in 4 bytes
      new Bytes().u8(0x43).str("C").u8(0x91).toArray(), // class definition cut short
      new Bytes().u8(0x40).toArray(), // reserved tag
    ];
    for (let i = 0; i < tails.length; i++) {
      const body = new Bytes().str("2.0.2").str(SERVICE).str("").str("m").str("Lx;").append(tails[i]).toArray();
      const m = new Message();
      expect(decodeBytes(frame(0xc2, 0, 1, body), m)).toBe(DecodeStatus.Done);
      expect(m.metadata.get("group")).toBeNull();
      expect(m.metadata.get("method")).toBe("m");
    }
    // 1000 nested lists: deeper than the walker goes
    const deep = new Bytes().str("2.0.2").str(SERVICE).str("").str("m").str("Lx;");
    for (let i = 0; i < 1000; i++) deep.u8(0x79);
    const m = new Message();
    decodeBytes(frame(0xc2, 0, 1, deep.u8(0x4e).toArray()), m);
    expect(m.metadata.get("group")).toBeNull();
  });

  it("survives every single-byte corruption of a request", () => {
    const m = new Message();
    const values: i32[] = [0x00, 0x1f, 0x30, 0x43, 0x48, 0x4f, 0x52, 0x53, 0x57, 0x5a, 0x60, 0x79, 0xff];
    let done = 0;
    let failed = 0;
    for (let at = 0; at < REQUEST_202.length; at++) {
      for (let v = 0; v < values.length; v++) {
        const bytes = REQUEST_202.slice();
        bytes[at] = <u8>values[v];
        const r = decodeBytes(bytes, m);
        if (r == DecodeStatus.Error) failed++;
        if (r == DecodeStatus.Done) {
          done++;
          m.metadata.get("group");
          const mutation = new Mutation();
          mutation.set("group", "x");
          codec.encode(new MemoryInput(bytes), m, mutation);
        }
      }
    }
    // Corrupting the magic or a head string fails; corrupting argument or attachment bytes does not.
    expect(done).toBeGreaterThan(0);
    expect(failed).toBeGreaterThan(0);
  });
});
