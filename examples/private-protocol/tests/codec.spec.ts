import { DecodeStatus, Direction, ErrorKind, MemoryInput, Message, MessageType, Mutation, ResponseStatus } from "meta-protocol-wasm";
import { FIXED_SIZE, KvRpcCodec } from "../assembly/codec";

/** A KV-RPC frame built by hand, independent of the codec's writer. */
function frame(flags: u8, id: u8, header: string[], body: i32): Uint8Array {
  const h: u8[] = [];
  for (let i = 0; i < header.length; i += 2) {
    h.push(<u8>header[i].length);
    for (let k = 0; k < header[i].length; k++) h.push(<u8>header[i].charCodeAt(k));
    h.push(0);
    h.push(<u8>header[i + 1].length);
    for (let k = 0; k < header[i + 1].length; k++) h.push(<u8>header[i + 1].charCodeAt(k));
  }
  const out = new Uint8Array(FIXED_SIZE + h.length + body);
  out[0] = 0x4b;
  out[1] = 0x56;
  out[2] = 1;
  out[3] = flags;
  out[11] = id;
  out[12] = <u8>(h.length >> 8);
  out[13] = <u8>h.length;
  out[17] = <u8>body;
  for (let i = 0; i < h.length; i++) out[FIXED_SIZE + i] = h[i];
  return out;
}

const MAX: i32 = 1 << 20;

function decode(bytes: Uint8Array, m: Message, max: i32 = MAX): DecodeStatus {
  m.reset();
  return new KvRpcCodec(max).decode(new MemoryInput(bytes), Direction.Downstream, m);
}

describe("KvRpcCodec", () => {
  it("decodes the header into metadata, before the body arrives", () => {
    const f = frame(0, 7, ["service", "example.Echo", "method", "echo"], 100);
    const m = new Message();
    for (let n = 0; n < f.length; n++) {
      const status = decode(f.subarray(0, n), m);
      expect(status).toBe(n < f.length - 100 ? DecodeStatus.NeedMoreData : DecodeStatus.Done);
    }
    expect(m.type).toBe(MessageType.Request);
    expect(m.requestId).toBe(7);
    expect(m.frameSize).toBe(f.length);
    expect(m.metadata.get("method")).toBe("echo");
    expect(m.metadata.get("service")).toBe("example.Echo");
  });

  it("reads the flags: oneway, heartbeat, error response", () => {
    const m = new Message();
    decode(frame(0x02, 1, [], 0), m);
    expect(m.type).toBe(MessageType.Oneway);
    decode(frame(0x04, 1, [], 0), m);
    expect(m.type).toBe(MessageType.Heartbeat);
    decode(frame(0x09, 1, [], 0), m);
    expect(m.type).toBe(MessageType.Response);
    expect(m.status).toBe(ResponseStatus.Error);
  });

  it("refuses bad magic, oversize frames and malformed headers", () => {
    const m = new Message();
    const bad = frame(0, 1, [], 0);
    bad[0] = 0x48;
    expect(decode(bad, m)).toBe(DecodeStatus.Error);
    expect(decode(frame(0, 1, [], 200), m, 100)).toBe(DecodeStatus.Error);
    expect(decode(frame(0, 1, [], 82), m, 100)).toBe(DecodeStatus.Done);
    const codec = new KvRpcCodec(MAX);
    expect(codec.decode(new MemoryInput(bad), Direction.Downstream, m)).toBe(DecodeStatus.Error);
    expect(codec.lastError).toBe("kvrpc: bad magic or version");
    const broken = frame(0, 1, ["method", "echo"], 0);
    broken[FIXED_SIZE] = 60; // a key longer than the header
    expect(decode(broken, m)).toBe(DecodeStatus.Error);
  });

  it("writes the mutation into the header and keeps the body", () => {
    const f = frame(0, 3, ["method", "echo"], 4);
    f[f.length - 1] = 0x7a;
    const codec = new KvRpcCodec(MAX);
    const m = new Message();
    codec.decode(new MemoryInput(f), Direction.Downstream, m);
    const mutation = new Mutation();
    mutation.set("x-tenant", "blue");
    const out = codec.encode(new MemoryInput(f), m, mutation);
    const again = new Message();
    expect(decode(out, again)).toBe(DecodeStatus.Done);
    expect(again.metadata.get("x-tenant")).toBe("blue");
    expect(again.metadata.get("method")).toBe("echo");
    expect(out[out.length - 1]).toBe(0x7a);
  });

  it("answers with an error frame and probes with a heartbeat of the same id", () => {
    const codec = new KvRpcCodec(MAX);
    const req = new Message();
    decode(frame(0, 9, ["method", "echo"], 0), req);
    const reply = new Message();
    decode(codec.errorReply(req, ErrorKind.OverLimit, "rate limited"), reply);
    expect(reply.status).toBe(ResponseStatus.Error);
    expect(reply.requestId).toBe(9);
    expect(reply.metadata.get("error")).toBe("rate limited");
    const probe = new Message();
    decode(codec.probeRequest(req)!, probe);
    expect(probe.type).toBe(MessageType.Heartbeat);
    expect(probe.requestId).toBe(9);
  });
});
