// Response mutation on Dubbo: encode() writes the mutation into an OK hessian2 response's
// attachments. The captured responses (sofa-rpc-node + dubbo-remoting) are all kind 1 (value) or a
// non-OK status; the null, exception and with-attachments kinds no capture has are built here with
// hessian2 bytes as Java Dubbo writes them (DubboCodec.encodeResponseData).
import { DubboCodec } from "../../../assembly/codecs/dubbo";
import { HessianReader } from "../../../assembly/codecs/hessian2";
import { DecodeStatus, Direction } from "../../../assembly/meta/codec";
import { MemoryInput } from "../../../assembly/meta/input";
import { Message, MessageType, ResponseStatus } from "../../../assembly/meta/message";
import { Mutation } from "../../../assembly/meta/mutation";
import * as golden from "../fixtures/dubbo";
import { MAX, bytesOf, decodeOne } from "./codec-checks";
import { Bytes, frame } from "./dubbo-frames";

const codec = new DubboCodec(MAX);
const OK: i32 = 20;
const HESSIAN2: i32 = 0x02;

/** java.lang.Exception as hessian2 writes it: class definition, then an object of it. */
function exceptionValue(message: string): Uint8Array {
  return new Bytes()
    .u8(0x43).str("java.lang.Exception").u8(0x91).str("detailMessage") // 'C' def: 1 field
    .u8(0x60).str(message) // object of def 0
    .toArray();
}

/** A response body: the kind as a compact int, the value, then the raw `tail` (a map or nothing). */
function body(kind: i32, value: Uint8Array, tail: Uint8Array): Uint8Array {
  return new Bytes().u8(0x90 + kind).append(value).append(tail).toArray();
}

/** The map Java Dubbo 2.7 puts on every result: {"dubbo": "2.0.2"}, plus a typed int entry. */
function javaAttachments(): Uint8Array {
  return new Bytes()
    .u8(0x4d).str("java.util.HashMap") // 'M' typed map
    .str("dubbo").str("2.0.2")
    .str("served-by").str("old") // replaced by the mutation
    .str("retries").u8(0x93) // a non-string value, kept byte for byte
    .u8(0x5a)
    .toArray();
}

const EMPTY = new Uint8Array(0);
const NULL_RESPONSE = frame(HESSIAN2, OK, 21, body(2, EMPTY, EMPTY));
const EXCEPTION_RESPONSE = frame(HESSIAN2, OK, 22, body(0, exceptionValue("boom"), EMPTY));
const VALUE_WITH_MAP = frame(HESSIAN2, OK, 23, body(4, new Bytes().str("hi").toArray(), javaAttachments()));
const NULL_WITH_MAP = frame(HESSIAN2, OK, 24, body(5, EMPTY, javaAttachments()));
const EXCEPTION_WITH_MAP = frame(HESSIAN2, OK, 25, body(3, exceptionValue("boom"), javaAttachments()));

function mutation(): Mutation {
  const m = new Mutation();
  m.set("served-by", "v2");
  m.set("zone", "东-1"); // non-ASCII: written as UTF-8
  return m;
}

/** A decoded response ready for encode, as the runtime hands it over (decoded Upstream, whole). */
function encodeResponse(bytes: Uint8Array, mutation: Mutation): Uint8Array {
  const m = new Message();
  expect(decodeOne(codec, bytes, Direction.Upstream, m)).toBe(DecodeStatus.Done);
  return codec.encode(new MemoryInput(bytes), m, mutation);
}

/** What a client reads from an OK body: its kind, where the value lies, and its attachments. */
class Result {
  kind: i64 = -1;
  valueStart: i32 = 0;
  valueEnd: i32 = 0;
  keys: string[] = [];
  values: string[] = [];

  get(key: string): string | null {
    const i = this.keys.indexOf(key);
    return i >= 0 ? this.values[i] : null;
  }
}

/** Walks an OK body to its end: kind, value (if any), map of string keys (non-string values read as "?"). */
function readResult(bytes: Uint8Array): Result {
  const r = new Result();
  const reader = new HessianReader(new MemoryInput(bytes), 16, bytes.length, bytes.length);
  r.kind = reader.readInt();
  r.valueStart = reader.pos;
  if (r.kind != 2 && r.kind != 5) expect(reader.skipValue()).toBe(true);
  r.valueEnd = reader.pos;
  if (r.kind >= 3) {
    const tag = reader.byte();
    expect(tag == 0x48 || tag == 0x4d).toBe(true);
    if (tag == 0x4d) expect(reader.readString()).not.toBeNull();
    while (reader.peek() != 0x5a) {
      const key = reader.readString();
      expect(key).not.toBeNull();
      const valueTag = reader.peek();
      let value = "?";
      if (HessianReader.isStringTag(valueTag)) value = reader.readString()!;
      else expect(reader.skipValue()).toBe(true);
      r.keys.push(key!);
      r.values.push(value);
    }
    reader.pos++;
  }
  expect(reader.failed).toBe(false);
  expect(reader.atEnd).toBe(true);
  return r;
}

/** The rewritten frame decodes as the same response, with the mutation's keys in its attachments. */
function checkMutated(original: Uint8Array, expectedKind: i32, status: ResponseStatus): Result {
  const out = encodeResponse(original, mutation());
  const m = new Message();
  expect(decodeOne(codec, out, Direction.Upstream, m)).toBe(DecodeStatus.Done);
  expect(m.frameSize).toBe(out.length);
  expect(m.type).toBe(MessageType.Response);
  expect(m.status).toBe(status);
  for (let i = 0; i < 12; i++) expect(out[i]).toBe(original[i]); // the header up to the body length
  const before = readResult(original);
  const after = readResult(out);
  expect(after.kind).toBe(expectedKind);
  // The value is copied byte for byte.
  expect(after.valueEnd - after.valueStart).toBe(before.valueEnd - before.valueStart);
  for (let i = 0; i < after.valueEnd - after.valueStart; i++) {
    expect(out[after.valueStart + i]).toBe(original[before.valueStart + i]);
  }
  expect(after.get("served-by")).toBe("v2");
  expect(after.get("zone")).toBe("东-1");
  return after;
}

function expectSame(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) expect(actual[i]).toBe(expected[i]);
}

describe("Dubbo response mutation, results without attachments", () => {
  it("gives a captured value result (kind 1) the kind 4 and a new map", () => {
    const after = checkMutated(bytesOf(golden.SAY_HELLO_RESPONSE), 4, ResponseStatus.Ok);
    expect(after.keys.length).toBe(2);
  });

  it("keeps a captured 600-byte binary value whole", () => {
    checkMutated(bytesOf(golden.ECHO_BYTES_RESPONSE), 4, ResponseStatus.Ok);
  });

  it("walks a large binary value in 4 KB chunks, as hessian.js writes it (75 'A' chunks, then 'B')", () => {
    const value = new Bytes();
    for (let c = 0; c < 75; c++) {
      value.u8(0x41).u8(0x0f).u8(0xfd);
      for (let i = 0; i < 4093; i++) value.u8(i & 0xff);
    }
    value.u8(0x42).u8(0).u8(3).u8(1).u8(2).u8(3);
    const bytes = frame(HESSIAN2, OK, 26, body(1, value.toArray(), EMPTY));
    const out = encodeResponse(bytes, mutation());
    const r = readResult(out);
    expect(r.kind).toBe(4);
    expect(r.get("served-by")).toBe("v2");
    expect(r.valueEnd - r.valueStart).toBe(bytes.length - 17);
  });

  it("gives a null result (kind 2) the kind 5 and a new map", () => {
    checkMutated(NULL_RESPONSE, 5, ResponseStatus.Ok);
  });

  it("gives an exception result (kind 0) the kind 3 and a new map; it still decodes as an error", () => {
    checkMutated(EXCEPTION_RESPONSE, 3, ResponseStatus.Error);
  });
});

describe("Dubbo response mutation, results with attachments", () => {
  it("rewrites the map of kinds 3, 4 and 5: mutation keys replaced or added, other entries kept", () => {
    const frames: Uint8Array[] = [EXCEPTION_WITH_MAP, VALUE_WITH_MAP, NULL_WITH_MAP];
    const kinds: i32[] = [3, 4, 5];
    for (let f = 0; f < frames.length; f++) {
      const status = kinds[f] == 3 ? ResponseStatus.Error : ResponseStatus.Ok;
      const after = checkMutated(frames[f], kinds[f], status);
      expect(after.keys.length).toBe(4);
      expect(after.keys[0]).toBe("dubbo");
      expect(after.get("dubbo")).toBe("2.0.2");
      expect(after.keys[1]).toBe("served-by");
      expect(after.get("retries")).toBe("?");
      expect(after.keys[3]).toBe("zone");
    }
  });

  it("patches the body length by exactly what the map gained", () => {
    const out = encodeResponse(VALUE_WITH_MAP, mutation());
    // "old" -> "v2" (-1), "zone" (5) + "东-1" (1 + 5 bytes of UTF-8)
    expect(out.length).toBe(VALUE_WITH_MAP.length - 1 + 5 + 6);
    const length = (<i32>out[12] << 24) | (<i32>out[13] << 16) | (<i32>out[14] << 8) | <i32>out[15];
    expect(length).toBe(out.length - 16);
  });
});

describe("Dubbo response mutation, frames that pass unchanged", () => {
  it("leaves a captured non-OK status, a heartbeat reply and other serializations alone", () => {
    const heartbeat = frame(0x22, OK, 11, new Bytes().u8(0x4e).toArray());
    const fastjson = frame(0x06, OK, 12, new Bytes().ascii("1\n\"hi\"\n").toArray());
    const frames: Uint8Array[] = [bytesOf(golden.FAIL_RESPONSE), heartbeat, fastjson];
    for (let f = 0; f < frames.length; f++) expectSame(encodeResponse(frames[f], mutation()), frames[f]);
  });

  it("leaves a response alone when the mutation is empty", () => {
    expectSame(encodeResponse(VALUE_WITH_MAP, new Mutation()), VALUE_WITH_MAP);
  });

  it("returns truncated or garbled bodies unchanged", () => {
    const bodies: Uint8Array[] = [
      new Bytes().u8(0x91).u8(0x53).u8(0x00).u8(0x40).ascii("cut").toArray(), // value cut short
      new Bytes().u8(0x96).str("hi").toArray(), // kind 6 does not exist
      new Bytes().str("1").str("hi").toArray(), // kind not an int
      new Bytes().u8(0x94).str("hi").u8(0x48).str("k").str("v").toArray(), // map never closed
      new Bytes().u8(0x94).str("hi").u8(0x48).str("k").u8(0x40).u8(0x5a).toArray(), // reserved tag as a value
      new Bytes().u8(0x94).str("hi").u8(0x91).toArray(), // an int where the map must be
      new Bytes().u8(0x90).u8(0x60).str("no class").toArray(), // object of an undefined class
      new Uint8Array(0), // empty body
    ];
    for (let i = 0; i < bodies.length; i++) {
      const bytes = frame(HESSIAN2, OK, 30, bodies[i]);
      expectSame(encodeResponse(bytes, mutation()), bytes);
    }
  });

  it("survives every single-byte corruption of a response with attachments", () => {
    const values: i32[] = [0x00, 0x1f, 0x30, 0x43, 0x48, 0x4d, 0x4e, 0x53, 0x5a, 0x60, 0x90, 0x96, 0xff];
    let rewritten = 0;
    for (let at = 16; at < VALUE_WITH_MAP.length; at++) {
      for (let v = 0; v < values.length; v++) {
        const bytes = VALUE_WITH_MAP.slice();
        bytes[at] = <u8>values[v];
        const m = new Message();
        if (decodeOne(codec, bytes, Direction.Upstream, m) != DecodeStatus.Done) continue;
        const out = codec.encode(new MemoryInput(bytes), m, mutation());
        if (out.length == bytes.length) continue;
        rewritten++;
        expect(decodeOne(codec, out, Direction.Upstream, m)).toBe(DecodeStatus.Done);
        expect(m.frameSize).toBe(out.length);
      }
    }
    // Some corruptions (inside strings) still walk and get rewritten; none traps.
    expect(rewritten).toBeGreaterThan(0);
  });
});
