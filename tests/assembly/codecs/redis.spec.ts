import { RedisCodec } from "../../../assembly/codecs/redis";
import { DecodeStatus, Direction } from "../../../assembly/meta/codec";
import { MemoryBufferedInput } from "../../../assembly/meta/buffered-input";
import { FrameInput } from "../../../assembly/meta/input";
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

/** The input window's size (buffered-input.ts): frames are placed to straddle its end. */
const WINDOW: i32 = 4096;

/** A command of one bulk string per word. */
function command(words: string[]): string {
  let s = "*" + words.length.toString() + "\r\n";
  for (let i = 0; i < words.length; i++) s += "$" + words[i].length.toString() + "\r\n" + words[i] + "\r\n";
  return s;
}

/** A PING whose argument makes the frame exactly `size` bytes (size >= 24). */
function filler(size: i32): string {
  const fixed = command(["PING", ""]).length;
  let n = size - fixed;
  if (n >= 10) n -= 1; // the length gains a digit
  if (n >= 100) n -= 1;
  if (n >= 1000) n -= 1;
  return command(["PING", "x".repeat(n)]);
}

/** Bytes of poison (CR: a stray read looks like the end of a line) either side of a view. */
const POISON: i32 = 16;

/**
 * A FrameInput whose every view is a fresh copy between poison bytes: a codec that reads outside
 * the view it asked for reads poison, not the frame's neighbouring bytes. Counts the views.
 */
class PoisonedInput extends FrameInput {
  views: i32 = 0;
  constructor(private data: Uint8Array) {
    super();
  }
  get available(): i32 {
    return this.data.length;
  }
  bytes(offset: i32, length: i32): Uint8Array {
    this.views++;
    const copy = new Uint8Array(length + 2 * POISON);
    copy.fill(0x0d);
    copy.set(this.data.subarray(offset, offset + length), POISON);
    return copy.subarray(POISON, POISON + length);
  }
  /** The codec's scratch array gets the bytes asked for, and CR bytes after them. */
  copyTo(offset: i32, length: i32, into: Uint8Array): void {
    this.views++;
    into.fill(0x0d);
    into.set(this.data.subarray(offset, offset + length));
  }
}

function decodePoisoned(codec: RedisCodec, data: Uint8Array, direction: Direction, m: Message): DecodeStatus {
  m.reset();
  return codec.decode(new PoisonedInput(data), direction, m);
}

/** A BufferedInput holding `data` as one callback's host buffer. */
function buffered(data: Uint8Array): MemoryBufferedInput {
  const input = new MemoryBufferedInput();
  input.data = data;
  input.begin(data.length);
  return input;
}

/** Decodes frame after frame through `input`; the status of the first frame that is not Done ends the list. */
function decodeBuffered(codec: RedisCodec, input: MemoryBufferedInput, direction: Direction, out: Message[]): DecodeStatus {
  while (input.available > 0) {
    const m = new Message();
    const status = codec.decode(input, direction, m);
    if (status != DecodeStatus.Done) return status;
    out.push(m);
    input.seek(input.position + m.frameSize);
  }
  return DecodeStatus.NeedMoreData;
}

describe("RedisCodec reading through views of its input", () => {
  it("decodes a small command that straddles the input's window at every position", () => {
    const target = command(["get", "key:7"]);
    for (let k = 1; k < target.length; k++) {
      const codec = new RedisCodec(MAX);
      const input = buffered(ascii(filler(WINDOW - k) + target + command(["SET", "after", "v"])));
      const frames: Message[] = [];
      expect(decodeBuffered(codec, input, Direction.Downstream, frames)).toBe(DecodeStatus.NeedMoreData);
      expect(frames.length).toBe(3);
      expect(frames[0].frameSize).toBe(WINDOW - k);
      expect(frames[1].frameSize).toBe(target.length);
      expect(frames[1].metadata.get("method")).toBe("GET");
      expect(frames[1].metadata.get("key")).toBe("key:7");
      expect(frames[2].metadata.get("key")).toBe("after");
    }
  });

  it("decodes replies that straddle the input's window at every position", () => {
    const replies = "*2\r\n$3\r\nabc\r\n:12\r\n-ERR x\r\n";
    for (let k = 1; k < replies.length; k++) {
      const length = WINDOW - k - 9; // "$" + 4 digits + CRLF, the data, CRLF
      const input = buffered(ascii("$" + length.toString() + "\r\n" + "v".repeat(length) + "\r\n" + replies));
      const frames: Message[] = [];
      expect(decodeBuffered(new RedisCodec(MAX), input, Direction.Upstream, frames)).toBe(DecodeStatus.NeedMoreData);
      expect(frames.length).toBe(3);
      expect(frames[0].frameSize).toBe(WINDOW - k);
      expect(frames[1].frameSize).toBe(18);
      expect(frames[2].status).toBe(ResponseStatus.Error);
    }
  });

  it("finds a line's CRLF wherever views split it, and refuses a bare LF there", () => {
    // Lengths around a window's size, from a little under to a few hundred bytes over (the first
    // view of a frame is short, the next one a window long): a view ends between CR and LF for some.
    for (let n = WINDOW - 8; n < WINDOW + 520; n++) {
      const line = "+" + "x".repeat(n - 3);
      const ok = ascii(line + "\r\n:1\r\n");
      const m = new Message();
      expect(decodePoisoned(new RedisCodec(MAX), ok, Direction.Upstream, m)).toBe(DecodeStatus.Done);
      expect(m.frameSize).toBe(n);
      const frames: Message[] = [];
      expect(decodeBuffered(new RedisCodec(MAX), buffered(ok), Direction.Upstream, frames)).toBe(DecodeStatus.NeedMoreData);
      expect(frames.length).toBe(2);
      expect(frames[0].frameSize).toBe(n);
      expect(decodePoisoned(new RedisCodec(MAX), ascii(line + "x\n"), Direction.Upstream, m)).toBe(DecodeStatus.Error);
      expect(decodePoisoned(new RedisCodec(MAX), ascii(line + "\r"), Direction.Upstream, m)).toBe(DecodeStatus.NeedMoreData);
    }
  });

  it("walks a command whose header alone is larger than the window, and every length line split in it", () => {
    const words: string[] = ["mget"];
    for (let i = 0; i < 900; i++) words.push("k" + i.toString());
    const frame = ascii(command(words));
    expect(frame.length).toBeGreaterThan(2 * WINDOW);
    const m = new Message();
    expect(decodePoisoned(new RedisCodec(MAX), frame, Direction.Downstream, m)).toBe(DecodeStatus.Done);
    expect(m.frameSize).toBe(frame.length);
    expect(m.metadata.get("method")).toBe("MGET");
    expect(m.metadata.get("key")).toBe("k0");
    const frames: Message[] = [];
    expect(decodeBuffered(new RedisCodec(MAX), buffered(frame), Direction.Downstream, frames)).toBe(DecodeStatus.NeedMoreData);
    expect(frames.length).toBe(1);
    expect(frames[0].frameSize).toBe(frame.length);
    // Every prefix around the window's end and the frame's end needs more data.
    for (let n = WINDOW - 40; n < WINDOW + 40; n++) {
      expect(decodePoisoned(new RedisCodec(MAX), frame.subarray(0, n), Direction.Downstream, m)).toBe(DecodeStatus.NeedMoreData);
    }
    // Until the last word's length line is whole ("$4\r\nk899\r\n": the frame's length is then known).
    for (let n = frame.length - 40; n < frame.length; n++) {
      const status = decodePoisoned(new RedisCodec(MAX), frame.subarray(0, n), Direction.Downstream, m);
      expect(status).toBe(n < frame.length - 6 ? DecodeStatus.NeedMoreData : DecodeStatus.Done);
    }
    // A corrupt line past the window is still found, and the size limit still applies there.
    const corrupt = frame.slice();
    corrupt[frame.length - 9] = 0x78; // the last length line: "$x"
    expect(decodePoisoned(new RedisCodec(MAX), corrupt, Direction.Downstream, m)).toBe(DecodeStatus.Error);
    const limited = new RedisCodec(WINDOW * 2);
    expect(decodePoisoned(limited, frame, Direction.Downstream, m)).toBe(DecodeStatus.Error);
    expect(limited.lastError).toBe("redis: frame exceeds maxFrameSize");
  });

  it("decodes a frame split across two reads at every byte (carried, then the next buffer)", () => {
    const frames = ascii(command(["set", "key:1", "value"]) + command(["hget", "key:2", "field"]));
    for (let k = 1; k < frames.length; k++) {
      const codec = new RedisCodec(MAX);
      const input = buffered(frames.slice(0, k));
      const first: Message[] = [];
      expect(decodeBuffered(codec, input, Direction.Downstream, first)).toBe(DecodeStatus.NeedMoreData);
      input.carryFrom(input.position);
      input.data = frames.slice(k);
      input.begin(frames.length - k);
      input.seek(0);
      const second: Message[] = [];
      expect(decodeBuffered(codec, input, Direction.Downstream, second)).toBe(DecodeStatus.NeedMoreData);
      const all = first.concat(second);
      expect(all.length).toBe(2);
      expect(all[0].metadata.get("method")).toBe("SET");
      expect(all[0].metadata.get("key")).toBe("key:1");
      expect(all[1].metadata.get("method")).toBe("HGET");
      expect(all[1].metadata.get("key")).toBe("key:2");
    }
  });

  it("reads a pipelined command in one view of its input", () => {
    const codec = new RedisCodec(MAX);
    const m = new Message();
    const set = new PoisonedInput(ascii(command(["SET", "key:1", "v".repeat(100)]) + command(["GET", "key:1"])));
    expect(codec.decode(set, Direction.Downstream, m)).toBe(DecodeStatus.Done);
    expect(m.metadata.get("key")).toBe("key:1");
    expect(set.views).toBe(1);
    const reply = new PoisonedInput(ascii("+OK\r\n+OK\r\n"));
    expect(codec.decode(reply, Direction.Upstream, m)).toBe(DecodeStatus.Done);
    expect(reply.views).toBe(1);
  });

  it("keeps a command name and key that run past the first view", () => {
    const name = "x".repeat(700);
    const key = "k".repeat(1023) + "z";
    const m = new Message();
    expect(decodePoisoned(new RedisCodec(MAX), ascii(command([name, key, "v"])), Direction.Downstream, m)).toBe(DecodeStatus.Done);
    expect(m.metadata.get("method")).toBe(name.toUpperCase());
    expect(m.metadata.get("key")).toBe(key);
    expect(decodePoisoned(new RedisCodec(MAX), ascii(name + " " + key + "\r\n"), Direction.Downstream, m)).toBe(DecodeStatus.Done);
    expect(m.metadata.get("method")).toBe(name.toUpperCase());
    expect(m.metadata.get("key")).toBe(key);
  });

  it("never fetches a bulk payload: the copy from the host follows the header", () => {
    const payload = "p".repeat(256 * 1024);
    const data = ascii(command(["SET", "big", payload]) + command(["GET", "big"]));
    const input = buffered(data);
    const frames: Message[] = [];
    expect(decodeBuffered(new RedisCodec(MAX), input, Direction.Downstream, frames)).toBe(DecodeStatus.NeedMoreData);
    expect(frames.length).toBe(2);
    expect(frames[1].metadata.get("key")).toBe("big");
    expect(input.fetches).toBe(2); // the SET's header, then the GET after the payload
    expect(input.fetchedBytes).toBeLessThanOrEqual(2 * WINDOW);
  });
});
