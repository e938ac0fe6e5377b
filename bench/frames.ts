// One request frame per protocol with a payload of a given size, built from each protocol's
// specification (Dubbo bodies through hessian.js, the encoder the Node Dubbo peers use).
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const hessian = require("hessian.js");

const SERVICE = "org.apache.dubbo.samples.basic.api.DemoService";

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

export function dubboRequest(payload: Buffer, id: number): Buffer {
  const body = Buffer.concat([
    hessian.encode("2.0.2", "2.0"),
    hessian.encode(SERVICE, "2.0"),
    hessian.encode("1.0", "2.0"),
    hessian.encode("echoBytes", "2.0"),
    hessian.encode("[B", "2.0"),
    hessian.encode(payload, "2.0"),
    hessian.encode({ path: SERVICE, interface: SERVICE, version: "1.0" }, "2.0"),
  ]);
  const header = Buffer.alloc(16);
  header.writeUInt16BE(0xdabb, 0);
  header[2] = 0xc2; // request, two-way, hessian2
  header.writeBigUInt64BE(BigInt(id), 4);
  header.writeUInt32BE(body.length, 12);
  return Buffer.concat([header, body]);
}

/** TBinaryProtocol (strict) call `echo(1: binary data)` in a framed transport. */
export function thriftRequest(payload: Buffer, id: number): Buffer {
  const name = Buffer.from("echo");
  const seq = Buffer.alloc(4);
  seq.writeInt32BE(id);
  const field = Buffer.concat([Buffer.from([11, 0, 1]), u32(payload.length), payload, Buffer.from([0])]);
  const message = Buffer.concat([u32(0x80010001), u32(name.length), name, seq, field]);
  return Buffer.concat([u32(message.length), message]);
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

function field(tag: number, bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), varint(bytes.length), bytes]);
}

/** baidu_std: "PRPC", body size, meta size, RpcMeta{request{service_name, method_name}, correlation_id}. */
export function brpcRequest(payload: Buffer, id: number): Buffer {
  const request = Buffer.concat([field(0x0a, Buffer.from("example.EchoService")), field(0x12, Buffer.from("Echo"))]);
  const meta = Buffer.concat([field(0x0a, request), Buffer.from([0x20]), varint(id)]);
  return Buffer.concat([Buffer.from("PRPC"), u32(meta.length + payload.length), u32(meta.length), meta, payload]);
}

/** RESP: SET key <payload>. */
export function redisRequest(payload: Buffer, id: number): Buffer {
  const key = `key:${id % 1000}`;
  return Buffer.concat([
    Buffer.from(`*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${payload.length}\r\n`),
    payload,
    Buffer.from("\r\n"),
  ]);
}

/** Dubbo response, status OK, a short string value. */
export function dubboResponse(id: number): Buffer {
  const body = Buffer.concat([Buffer.from([0x91]), hessian.encode("ok", "2.0")]);
  const header = Buffer.alloc(16);
  header.writeUInt16BE(0xdabb, 0);
  header[2] = 0x02;
  header[3] = 20;
  header.writeBigUInt64BE(BigInt(id), 4);
  header.writeUInt32BE(body.length, 12);
  return Buffer.concat([header, body]);
}

/** Thrift binary framed REPLY to `echo` with a short success value. */
export function thriftResponse(id: number): Buffer {
  const name = Buffer.from("echo");
  const seq = Buffer.alloc(4);
  seq.writeInt32BE(id);
  const result = Buffer.concat([Buffer.from([11, 0, 0]), u32(2), Buffer.from("ok"), Buffer.from([0])]);
  const message = Buffer.concat([u32(0x80010002), u32(name.length), name, seq, result]);
  return Buffer.concat([u32(message.length), message]);
}

/** baidu_std response: RpcMeta{response{}, correlation_id}, a short payload. */
export function brpcResponse(id: number): Buffer {
  const meta = Buffer.concat([Buffer.from([0x12, 0x00, 0x20]), varint(id)]);
  const payload = Buffer.from("ok");
  return Buffer.concat([Buffer.from("PRPC"), u32(meta.length + payload.length), u32(meta.length), meta, payload]);
}

export function redisResponse(): Buffer {
  return Buffer.from("+OK\r\n");
}

export interface ProtocolFrames {
  request(payload: Buffer, id: number): Buffer;
  response(id: number): Buffer;
}

export const PROTOCOLS: Record<string, ProtocolFrames> = {
  dubbo: { request: dubboRequest, response: dubboResponse },
  thrift: { request: thriftRequest, response: thriftResponse },
  brpc: { request: brpcRequest, response: brpcResponse },
  redis: { request: redisRequest, response: redisResponse },
};
