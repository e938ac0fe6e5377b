import { RedisCodec } from "../../../assembly/codecs/redis";
import { DecodeStatus, Direction } from "../../../assembly/meta/codec";
import { ErrorKind, Message, MessageType, ResponseStatus } from "../../../assembly/meta/message";
import { SESSION_REQUEST, SESSION_RESPONSE } from "../fixtures/redis";
import { bytesOf, checkEverySplit, decodeFrames, decodeOne, MAX } from "./codec-checks";

function ascii(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

describe("RedisCodec with a session between ioredis and redis-server", () => {
  it("reads each command's name and first key", () => {
    const methods: string[] = [];
    const keys: string[] = [];
    const frames = decodeFrames(new RedisCodec(MAX), bytesOf(SESSION_REQUEST), Direction.Downstream);
    for (let i = 0; i < frames.length; i++) {
      const m = frames[i];
      expect(m.type).toBe(MessageType.Request);
      methods.push(m.metadata.get("method")!);
      const key = m.metadata.get("key");
      keys.push(key !== null ? key : "");
    }
    expect(methods).toStrictEqual(["SET", "GET", "INCR", "MGET", "INCR", "GET", "SET"]);
    expect(keys).toStrictEqual(["greeting", "greeting", "counter", "greeting", "greeting", "missing", "big"]);
  });

  it("decodes every reply in order; error replies are errors", () => {
    const replies = decodeFrames(new RedisCodec(MAX), bytesOf(SESSION_RESPONSE), Direction.Upstream);
    expect(replies.length).toBe(7);
    for (let i = 0; i < replies.length; i++) expect(replies[i].status).toBe(i == 4 ? ResponseStatus.Error : ResponseStatus.Ok);
  });

  it("at every split: more data until the frame's length is known; a large last bulk is not waited for", () => {
    const set = ascii("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$10\r\n0123456789\r\n");
    const first = checkEverySplit(new RedisCodec(MAX), set, Direction.Downstream);
    expect(first).toBeLessThan(set.length);
    checkEverySplit(new RedisCodec(MAX), ascii("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"), Direction.Downstream);
    checkEverySplit(new RedisCodec(MAX), ascii("*2\r\n$1\r\na\r\n*1\r\n:5\r\n"), Direction.Upstream);
  });

  it("accepts inline commands, keyless commands carry no key", () => {
    const m = new Message();
    expect(decodeOne(new RedisCodec(MAX), ascii("set k v\r\n"), Direction.Downstream, m)).toBe(DecodeStatus.Done);
    expect(m.metadata.get("method")).toBe("SET");
    expect(m.metadata.get("key")).toBe("k");
    decodeOne(new RedisCodec(MAX), ascii("*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$1\r\nx\r\n"), Direction.Downstream, m);
    expect(m.metadata.get("method")).toBe("CLIENT");
    expect(m.metadata.has("key")).toBe(false);
    expect(decodeOne(new RedisCodec(MAX), ascii("  get   k:1  extra\r\n"), Direction.Downstream, m)).toBe(DecodeStatus.Done);
    expect(m.frameSize).toBe(20);
    expect(m.metadata.get("method")).toBe("GET");
    expect(m.metadata.get("key")).toBe("k:1");
    decodeOne(new RedisCodec(MAX), ascii("ping\r\n"), Direction.Downstream, m);
    expect(m.metadata.get("method")).toBe("PING");
    expect(m.metadata.has("key")).toBe(false);
  });

  it("keeps the command as written apart from case, and no key longer than 1 KB", () => {
    const codec = new RedisCodec(MAX);
    const m = new Message();
    decodeOne(codec, ascii("*2\r\n$4\r\nhGeT\r\n$4\r\nk\u00e9y\r\n"), Direction.Downstream, m);
    expect(m.metadata.get("method")).toBe("HGET");
    expect(m.metadata.get("key")).toBe("k\u00e9y");
    const long = "x".repeat(1025);
    expect(decodeOne(codec, ascii("*2\r\n$3\r\nGET\r\n$1025\r\n" + long + "\r\n"), Direction.Downstream, m)).toBe(DecodeStatus.Done);
    expect(m.metadata.get("method")).toBe("GET");
    expect(m.metadata.has("key")).toBe(false);
    // The metadata of an earlier frame is not overwritten by the next one's text.
    const first = new Message();
    decodeOne(codec, ascii("*2\r\n$3\r\nGET\r\n$3\r\nabc\r\n"), Direction.Downstream, first);
    decodeOne(codec, ascii("*2\r\n$3\r\nSET\r\n$3\r\nxyz\r\n"), Direction.Downstream, m);
    expect(first.metadata.get("method")).toBe("GET");
    expect(first.metadata.get("key")).toBe("abc");
  });

  it("refuses oversize lengths, garbage and deep nesting", () => {
    const m = new Message();
    const small = new RedisCodec(1024);
    expect(decodeOne(small, ascii("*1\r\n$99999999\r\n"), Direction.Downstream, m)).toBe(DecodeStatus.Error);
    expect(small.lastError).toBe("redis: frame exceeds maxFrameSize");
    expect(decodeOne(new RedisCodec(MAX), ascii("?what\r\n"), Direction.Upstream, m)).toBe(DecodeStatus.Error);
    expect(decodeOne(new RedisCodec(MAX), ascii("*1\r\n$x\r\n"), Direction.Downstream, m)).toBe(DecodeStatus.Error);
    let deep = "";
    for (let i = 0; i < 100; i++) deep += "*1\r\n";
    expect(decodeOne(new RedisCodec(MAX), ascii(deep + ":1\r\n"), Direction.Upstream, m)).toBe(DecodeStatus.Error);
  });

  it("answers with -ERR and probes with PING, pairing by order", () => {
    const codec = new RedisCodec(MAX);
    expect(codec.pairsByOrder()).toBe(true);
    const reply = String.UTF8.decode(codec.errorReply(new Message(), ErrorKind.OverLimit, "rate limited").buffer);
    expect(reply).toBe("-ERR rate limited\r\n");
    const probe = new Message();
    decodeOne(codec, codec.probeRequest(new Message())!, Direction.Downstream, probe);
    expect(probe.metadata.get("method")).toBe("PING");
  });
});
