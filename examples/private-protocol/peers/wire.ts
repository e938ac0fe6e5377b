// KV-RPC frames for the example's peers (the same format as assembly/codec.ts, see README.md).
export const RESPONSE = 0x01;
export const ONEWAY = 0x02;
export const HEARTBEAT = 0x04;
export const ERROR = 0x08;

export interface Frame {
  flags: number;
  id: bigint;
  header: Map<string, string>;
  body: Buffer<ArrayBufferLike>;
}

export function encode(f: Frame): Buffer {
  const entries = [...f.header].map(([k, v]) => {
    const key = Buffer.from(k);
    const value = Buffer.from(v);
    const lengths = Buffer.alloc(3);
    lengths[0] = key.length;
    lengths.writeUInt16BE(value.length, 1);
    return Buffer.concat([lengths.subarray(0, 1), key, lengths.subarray(1), value]);
  });
  const header = Buffer.concat(entries);
  const fixed = Buffer.alloc(18);
  fixed.write("KV", 0, "latin1");
  fixed[2] = 1;
  fixed[3] = f.flags;
  fixed.writeBigUInt64BE(f.id, 4);
  fixed.writeUInt16BE(header.length, 12);
  fixed.writeUInt32BE(f.body.length, 14);
  return Buffer.concat([fixed, header, f.body]);
}

/** Whole frames off the front of `pending`, and what is left. */
export function decode(pending: Buffer<ArrayBufferLike>): { frames: Frame[]; rest: Buffer<ArrayBufferLike> } {
  const frames: Frame[] = [];
  while (pending.length >= 18) {
    if (pending.toString("latin1", 0, 2) !== "KV" || pending[2] !== 1) throw new Error("not KV-RPC");
    const headerLength = pending.readUInt16BE(12);
    const size = 18 + headerLength + pending.readUInt32BE(14);
    if (pending.length < size) break;
    const header = new Map<string, string>();
    let at = 18;
    while (at < 18 + headerLength) {
      const k = pending[at];
      const key = pending.toString("utf8", at + 1, at + 1 + k);
      const v = pending.readUInt16BE(at + 1 + k);
      header.set(key, pending.toString("utf8", at + 3 + k, at + 3 + k + v));
      at += 3 + k + v;
    }
    frames.push({ flags: pending[3], id: pending.readBigUInt64BE(4), header, body: pending.subarray(18 + headerLength, size) });
    pending = pending.subarray(size);
  }
  return { frames, rest: pending };
}
