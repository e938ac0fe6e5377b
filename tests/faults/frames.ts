// Raw frames for the fault tests that need byte control: Dubbo requests written as the Dubbo
// client writes them (hessian2 through hessian.js, as dubbo-remoting does), Dubbo responses from
// the golden frame captured from the real provider with its id rewritten, a splitter that says
// which Dubbo frames in a byte stream are complete, and Redis commands in RESP.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const hessian = require("hessian.js");
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SERVICE = "org.apache.dubbo.samples.basic.api.DemoService";
const DUBBO_HEADER = 16;

/** A two-way hessian2 request `method(text)` with id `id`. */
export function dubboRequest(id: number, method = "sayHello", text = "world"): Buffer {
  const body = Buffer.concat([
    hessian.encode("2.0.2", "2.0"), hessian.encode(SERVICE, "2.0"), hessian.encode("1.0", "2.0"), hessian.encode(method, "2.0"),
    hessian.encode("Ljava/lang/String;", "2.0"), hessian.encode(text, "2.0"),
    hessian.encode({ path: SERVICE, interface: SERVICE, version: "1.0" }, "2.0"),
  ]);
  const header = Buffer.alloc(DUBBO_HEADER);
  header.writeUInt16BE(0xdabb, 0);
  header[2] = 0xc2; // request, two-way, hessian2
  header.writeBigUInt64BE(BigInt(id), 4);
  header.writeUInt32BE(body.length, 12);
  return Buffer.concat([header, body]);
}

const GOLDEN_RESPONSE = readFileSync(path.join(root, "tests/fixtures/dubbo/say_hello_response.bin"));

/** The real provider's OK response to sayHello ("Hello world-0"), answering request `id`. */
export function dubboResponse(id: number): Buffer {
  const frame = Buffer.from(GOLDEN_RESPONSE);
  frame.writeBigUInt64BE(BigInt(id), 4);
  return frame;
}

/** A response whose body is `size` bytes of a hessian2 binary value (for large answers). */
export function dubboLargeResponse(id: number, size: number): Buffer {
  const body = Buffer.concat([Buffer.of(0x91), hessian.encode(Buffer.alloc(size, id & 0xff), "2.0")]);
  const header = Buffer.alloc(DUBBO_HEADER);
  header.writeUInt16BE(0xdabb, 0);
  header[2] = 0x02; // response, hessian2
  header[3] = 20; // OK
  header.writeBigUInt64BE(BigInt(id), 4);
  header.writeUInt32BE(body.length, 12);
  return Buffer.concat([header, body]);
}

export interface DubboSplit {
  /** Complete frames, in order. */
  frames: Buffer[];
  /** Bytes after the last complete frame (a frame cut short). */
  rest: Buffer;
}

/** Splits a byte stream into complete Dubbo frames and what is left after them. */
export function splitDubbo(stream: Buffer): DubboSplit {
  const frames: Buffer[] = [];
  let at = 0;
  while (stream.length - at >= DUBBO_HEADER) {
    const size = DUBBO_HEADER + stream.readUInt32BE(at + 12);
    if (stream.length - at < size) break;
    frames.push(stream.subarray(at, at + size));
    at += size;
  }
  return { frames, rest: stream.subarray(at) };
}

export const dubboId = (frame: Buffer): number => Number(frame.readBigUInt64BE(4));
export const isDubboRequest = (frame: Buffer): boolean => (frame[2] & 0x80) !== 0;

/** A Redis command in RESP (what every client sends). */
export function redisCommand(...words: string[]): Buffer {
  return Buffer.from(`*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join("")}`);
}

/** How many complete RESP commands (arrays of bulk strings) `stream` holds from its start. */
export function countRedisCommands(stream: Buffer): number {
  const text = stream.toString("latin1");
  let at = 0;
  let n = 0;
  for (;;) {
    const m = /^\*(\d+)\r\n/.exec(text.slice(at));
    if (!m) return n;
    let pos = at + m[0].length;
    for (let i = 0; i < Number(m[1]); i++) {
      const b = /^\$(\d+)\r\n/.exec(text.slice(pos));
      if (!b || text.length < pos + b[0].length + Number(b[1]) + 2) return n;
      pos += b[0].length + Number(b[1]) + 2;
    }
    at = pos;
    n++;
  }
}
