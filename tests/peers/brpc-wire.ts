// baidu_std framing for the bRPC test peers: a 12-byte header ("PRPC", body size, meta size, big
// endian), the RpcMeta protobuf (encoded with protobufjs from brpc/baidu_rpc_meta.proto), the
// payload and the attachment. No bRPC implementation is packaged for npm or Debian, so these peers
// are our own, written from the protocol's specification (apache/brpc docs/en/baidu_std.md).
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const protobuf = require("protobufjs");
const root = protobuf.loadSync(path.join(path.dirname(fileURLToPath(import.meta.url)), "brpc/baidu_rpc_meta.proto"));
export const RpcMeta = root.lookupType("brpc.policy.RpcMeta");

export interface Frame {
  meta: {
    request?: { serviceName: string; methodName: string; logId?: number; requestId?: string };
    response?: { errorCode?: number; errorText?: string };
    correlationId?: number | { toNumber(): number };
    attachmentSize?: number;
    userFields?: Record<string, string>;
  };
  payload: Buffer<ArrayBufferLike>;
  attachment: Buffer<ArrayBufferLike>;
}

export function encodeFrame(meta: Frame["meta"], payload: Uint8Array, attachment: Uint8Array = new Uint8Array(0)): Buffer {
  const m = Buffer.from(RpcMeta.encode(RpcMeta.create({ ...meta, attachmentSize: attachment.length || undefined })).finish());
  const header = Buffer.alloc(12);
  header.write("PRPC", 0, "latin1");
  header.writeUInt32BE(m.length + payload.length + attachment.length, 4);
  header.writeUInt32BE(m.length, 8);
  return Buffer.concat([header, m, payload, attachment]);
}

/** Cuts whole frames off the front of `pending`; returns them and what is left. */
export function takeFrames(pending: Buffer<ArrayBufferLike>): { frames: Frame[]; rest: Buffer<ArrayBufferLike> } {
  const frames: Frame[] = [];
  while (pending.length >= 12) {
    if (pending.toString("latin1", 0, 4) !== "PRPC") throw new Error("not a baidu_std frame");
    const body = pending.readUInt32BE(4);
    const metaSize = pending.readUInt32BE(8);
    if (pending.length < 12 + body) break;
    const meta = RpcMeta.toObject(RpcMeta.decode(pending.subarray(12, 12 + metaSize)), { longs: Number });
    const rest = pending.subarray(12 + metaSize, 12 + body);
    const attachmentSize = meta.attachmentSize ?? 0;
    frames.push({ meta, payload: rest.subarray(0, rest.length - attachmentSize), attachment: rest.subarray(rest.length - attachmentSize) });
    pending = pending.subarray(12 + body);
  }
  return { frames, rest: pending };
}

export const ENOSERVICE = 1001;
export const ENOMETHOD = 1002;
export const EREQUEST = 1003;
