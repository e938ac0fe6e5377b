// What the fuzzer starts from, per wire flavor of each codec: golden request/response pairs captured
// from the real peers (tests/fixtures), a generator of valid pairs around any payload and id, a
// request header claiming a chosen frame length, and bytes every codec must refuse from their start.
// Thrift has four flavors (binary or compact, framed or buffered); a case keeps to one, as a client does.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { brpcRequest, brpcResponse, dubboRequest, dubboResponse, redisRequest, redisResponse } from "../../bench/frames.ts";

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures");

/** A request and the server's answer to it (for Redis, possibly several commands and their replies). */
export interface Unit {
  request: Buffer;
  response: Buffer;
  /** Requests (and responses) in the unit, when known from how it was built (generated units hold one). */
  frames?: number;
}

export interface Flavor {
  name: string;
  codec: string;
  golden: Unit[];
  generate(payload: Buffer, id: number): Unit;
  /**
   * A request with id `id` whose length field claims a frame of `claim` bytes, followed by `payload`
   * (which may be shorter than claimed); null where the wire has no length to claim (buffered Thrift).
   */
  claiming: ((claim: number, payload: Buffer, id: number) => Buffer) | null;
  /** Responses pair with requests by order (no request id on the wire). */
  pairsByOrder: boolean;
  /** Bytes the codec refuses from the start, whatever follows them. */
  invalidHead: Buffer;
}

function golden(...names: string[]): Unit[] {
  return names.map((n) => ({
    request: readFileSync(path.join(fixtures, `${n}_request.bin`)),
    response: readFileSync(path.join(fixtures, `${n}_response.bin`)),
  }));
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

/** A Thrift message `echo(1: binary)` (call) or its reply `0: binary`, unframed. */
function thriftMessage(compact: boolean, reply: boolean, id: number, value: Buffer): Buffer {
  const name = Buffer.from("echo");
  if (compact) {
    const fieldHeader = reply ? Buffer.from([0x08, 0x00]) : Buffer.from([0x18]);
    return Buffer.concat([
      Buffer.from([0x82, reply ? 0x41 : 0x21]), varint(id), varint(name.length), name,
      fieldHeader, varint(value.length), value, Buffer.from([0]),
    ]);
  }
  const seq = u32(id);
  const field = Buffer.concat([Buffer.from([11, 0, reply ? 0 : 1]), u32(value.length), value, Buffer.from([0])]);
  return Buffer.concat([u32(reply ? 0x80010002 : 0x80010001), u32(name.length), name, seq, field]);
}

function thriftFlavor(protocol: "binary" | "compact", transport: "framed" | "buffered", goldenNames: string[]): Flavor {
  const compact = protocol === "compact";
  const frame = (m: Buffer) => (transport === "framed" ? Buffer.concat([u32(m.length), m]) : m);
  return {
    name: `thrift-${protocol}-${transport}`,
    codec: "thrift",
    golden: golden(...goldenNames.map((n) => `thrift/${n}`)),
    generate: (payload, id) => ({
      request: frame(thriftMessage(compact, false, id, payload)),
      response: frame(thriftMessage(compact, true, id, Buffer.from("ok"))),
    }),
    claiming:
      transport === "framed"
        ? (claim, payload, id) => {
            const m = thriftMessage(compact, false, id, payload);
            return Buffer.concat([u32(claim - 4), m]);
          }
        : null,
    // A frame length of 16 followed by neither protocol's first byte.
    invalidHead: Buffer.from([0, 0, 0, 16, 0x55, 0x55]),
    pairsByOrder: false,
  };
}

const dubboFlavor: Flavor = {
  name: "dubbo",
  codec: "dubbo",
  golden: golden("dubbo/say_hello", "dubbo/echo_bytes", "dubbo/fail"),
  generate: (payload, id) => ({ request: dubboRequest(payload, id), response: dubboResponse(id) }),
  claiming: (claim, payload, id) => {
    const frame = dubboRequest(payload, id);
    frame.writeUInt32BE(claim - 16, 12);
    return frame;
  },
  invalidHead: Buffer.concat([Buffer.from([0xda, 0xbc]), Buffer.alloc(14)]),
  pairsByOrder: false,
};

const brpcFlavor: Flavor = {
  name: "brpc",
  codec: "brpc",
  golden: golden("brpc/echo", "brpc/fail", "brpc/unknown_method"),
  generate: (payload, id) => ({ request: brpcRequest(payload, id), response: brpcResponse(id) }),
  claiming: (claim, payload, id) => {
    const frame = brpcRequest(payload, id);
    frame.writeUInt32BE(claim - 12, 4);
    return frame;
  },
  invalidHead: Buffer.from("PRPX"),
  pairsByOrder: false,
};

const redisFlavor: Flavor = {
  name: "redis",
  codec: "redis",
  golden: golden("redis/session"),
  generate: (payload, id) => ({ request: redisRequest(payload, id), response: redisResponse() }),
  // SET with a value whose bulk length makes the whole command `claim` bytes long.
  claiming: (claim, payload) => {
    const head = (n: number) => `*3\r\n$3\r\nSET\r\n$5\r\nkey:1\r\n$${n}\r\n`;
    let value = claim - head(0).length - 2;
    value -= String(value).length - 1;
    return Buffer.concat([Buffer.from(head(Math.max(0, value))), payload]);
  },
  // An array whose length is not a number.
  invalidHead: Buffer.from("*x\r\n"),
  pairsByOrder: true,
};

export const FLAVORS: Flavor[] = [
  dubboFlavor,
  thriftFlavor("binary", "framed", ["binary_framed_hello", "binary_framed_fail"]),
  thriftFlavor("binary", "buffered", ["binary_buffered_hello"]),
  thriftFlavor("compact", "framed", ["compact_framed_hello"]),
  thriftFlavor("compact", "buffered", ["compact_buffered_echo", "compact_buffered_multiplexed_hello"]),
  brpcFlavor,
  redisFlavor,
];

export const CODECS = [...new Set(FLAVORS.map((f) => f.codec))];

export function flavorsOf(codec: string): Flavor[] {
  return FLAVORS.filter((f) => f.codec === codec);
}
