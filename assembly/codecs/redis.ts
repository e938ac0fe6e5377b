// Redis RESP (2 and 3): requests are arrays of bulk strings (or inline commands, as redis-server
// accepts them); the command becomes `method` (upper-cased) and its first argument `key`, unless
// the command takes no key (CLIENT, PING, SELECT, ...).
// Redis has no request ids: responses answer requests in order. Bulk payloads are skipped by
// their length without being read; when the last bulk of a frame has not all arrived, the frame
// is already decoded (its length is known), so a large SET costs what its header costs.
import { Codec, CodecFactory, DecodeStatus, Direction } from "../meta/codec";
import { FrameInput } from "../meta/input";
import { ErrorKind, Message, MessageType, ResponseStatus } from "../meta/message";
import { KEY, METHOD } from "../meta/metadata-keys";
import { Mutation } from "../meta/mutation";

const CR: u8 = 0x0d;
const LF: u8 = 0x0a;
/** redis-server's limits: inline commands up to 64 KB, nesting far below this. */
const MAX_INLINE: i32 = 64 * 1024;
const MAX_HEADER_LINE: i32 = 32;
const MAX_DEPTH: i32 = 32;
/** Longest command name or key kept as metadata (longer keys are still forwarded, unnamed). */
const MAX_METADATA_VALUE: i32 = 1024;

/** Commands whose first argument is not a key (connection, server and pub/sub commands): no `key`. */
const KEYLESS_LIST: string[] = [
  "AUTH", "CLIENT", "CLUSTER", "COMMAND", "CONFIG", "DBSIZE", "DISCARD", "ECHO", "EXEC", "FLUSHALL", "FLUSHDB",
  "FUNCTION", "HELLO", "INFO", "KEYS", "LASTSAVE", "MONITOR", "MULTI", "PING", "PSUBSCRIBE", "PUBLISH", "QUIT",
  "READONLY", "READWRITE", "RESET", "SAVE", "SCAN", "SCRIPT", "SELECT", "SUBSCRIBE", "TIME", "UNWATCH",
];
const KEYLESS = new Set<string>();
for (let i = 0; i < KEYLESS_LIST.length; i++) KEYLESS.add(KEYLESS_LIST[i]);

const SPACE: u8 = 0x20;
const METADATA_TEXT = new Uint8Array(MAX_METADATA_VALUE);

const NEED_MORE: i32 = -1;
const MALFORMED: i32 = -2;
const TOO_LARGE: i32 = -3;
/** The length or count "-1": a RESP2 null. */
const NULL_LENGTH: i64 = -101;

/** Walks one RESP value; positions are offsets from the start of the frame. */
class RespScanner {
  input: FrameInput = EMPTY_INPUT;
  /** Offset of the first byte after the value scanned, when it returned >= 0. */
  end: i32 = 0;
  /** With NEED_MORE: bytes the frame needs at least, when known (0 otherwise). */
  needed: i32 = 0;
  /** The value's data ends past the buffered bytes but the frame's length is known: done early. */
  partial: bool = false;

  constructor(readonly maxFrameSize: i32) {}

  /** Offset of the CR ending the line that starts at `at`, or NEED_MORE / MALFORMED. */
  lineEnd(at: i32, limit: i32): i32 {
    const input = this.input;
    const available = input.available - at;
    const look = available < limit ? available : limit;
    if (look <= 0) return NEED_MORE;
    for (let i = 0; i < look; i++) {
      if (input.byteAt(at + i) == LF) {
        if (i == 0 || input.byteAt(at + i - 1) != CR) return MALFORMED;
        return at + i - 1;
      }
    }
    return available < limit ? NEED_MORE : MALFORMED;
  }

  /** The integer on the line [at + 1, crAt): a RESP length or count, NULL_LENGTH, or an error code. */
  integer(at: i32, crAt: i32): i64 {
    const n = crAt - at - 1;
    if (n <= 0 || n > 20) return MALFORMED;
    const input = this.input;
    if (input.byteAt(at + 1) == 0x2d) return n == 2 && input.byteAt(at + 2) == 0x31 ? NULL_LENGTH : MALFORMED;
    let v: i64 = 0;
    for (let i = 0; i < n; i++) {
      const c = <i32>input.byteAt(at + 1 + i);
      if (c < 0x30 || c > 0x39) return MALFORMED;
      v = v * 10 + (c - 0x30);
      if (v > 0x7fffffff) return TOO_LARGE;
    }
    return v;
  }

  /**
   * Scans the value at `at`; `last` when nothing follows it in the frame. Returns 0 (then `end`)
   * or NEED_MORE / MALFORMED / TOO_LARGE.
   */
  value(at: i32, depth: i32, last: bool): i32 {
    if (depth > MAX_DEPTH) return MALFORMED;
    if (this.input.available <= at) return NEED_MORE;
    const type = this.input.byteAt(at);
    const cr = this.lineEnd(at, type == 0x2b || type == 0x2d ? MAX_INLINE : MAX_HEADER_LINE + 2);
    if (cr < 0) return cr;
    const lineNext = cr + 2;
    switch (type) {
      case 0x2b: // + simple string
      case 0x2d: // - error
      case 0x3a: // : integer
      case 0x5f: // _ null (RESP3)
      case 0x23: // # boolean
      case 0x2c: // , double
      case 0x28: // ( big number
        this.end = lineNext;
        return 0;
      case 0x24: // $ bulk string
      case 0x21: // ! blob error
      case 0x3d: { // = verbatim string
        const len = this.integer(at, cr);
        if (len == NULL_LENGTH) {
          this.end = lineNext;
          return 0;
        }
        if (len < 0) return <i32>len;
        return this.skipData(lineNext, <i32>len, last);
      }
      case 0x2a: // * array
      case 0x7e: // ~ set
      case 0x3e: // > push
      case 0x25: { // % map: two values per entry
        const count = this.integer(at, cr);
        if (count == NULL_LENGTH) {
          this.end = lineNext;
          return 0;
        }
        if (count < 0) return <i32>count;
        const values = type == 0x25 ? count * 2 : count;
        if (values > <i64>this.maxFrameSize) return TOO_LARGE;
        let next = lineNext;
        for (let i: i64 = 0; i < values; i++) {
          const r = this.value(next, depth + 1, last && i == values - 1);
          if (r < 0) return r;
          if (this.partial) return 0;
          next = this.end;
        }
        this.end = next;
        return 0;
      }
      default:
        return MALFORMED;
    }
  }

  /** `len` bytes of data and CRLF at `at`, skipped unread. */
  private skipData(at: i32, len: i32, last: bool): i32 {
    const end = <i64>at + <i64>len + 2;
    if (end > <i64>this.maxFrameSize) return TOO_LARGE;
    this.end = <i32>end;
    if (<i32>end <= this.input.available) {
      return this.input.byteAt(<i32>end - 2) == CR && this.input.byteAt(<i32>end - 1) == LF ? 0 : MALFORMED;
    }
    if (last) {
      this.partial = true;
      return 0;
    }
    this.needed = <i32>end;
    return NEED_MORE;
  }
}

class EmptyInput extends FrameInput {
  get available(): i32 {
    return 0;
  }
  bytes(offset: i32, length: i32): Uint8Array {
    return new Uint8Array(0);
  }
}
const EMPTY_INPUT = new EmptyInput();

export class RedisCodec extends Codec {
  private scanner: RespScanner = new RespScanner(this.maxFrameSize);
  /** Where metadata text is assembled before it becomes a string (one per VM: decoding never pauses). */
  private text: Uint8Array = METADATA_TEXT;
  /**
   * The last command name, its bytes and whether it takes a key: a connection mostly repeats a few
   * commands, so the name is reused instead of decoded into a new string per request.
   */
  private lastCommand: string = "";
  private lastCommandBytes: Uint8Array = new Uint8Array(0);
  private lastCommandKeyless: bool = false;

  decode(input: FrameInput, direction: Direction, message: Message): DecodeStatus {
    const s = this.scanner;
    s.input = input;
    s.partial = false;
    s.needed = 0;
    if (input.available == 0) return DecodeStatus.NeedMoreData;
    const first = input.byteAt(0);
    if (direction == Direction.Downstream && first != 0x2a) return this.decodeInline(input, message);
    const r = s.value(0, 0, true);
    if (r == NEED_MORE) return DecodeStatus.NeedMoreData;
    if (r == TOO_LARGE) return this.fail("redis: frame exceeds maxFrameSize");
    if (r < 0) return this.fail(direction == Direction.Downstream ? "redis: malformed command" : "redis: malformed reply");
    message.frameSize = s.end;
    if (direction == Direction.Upstream) {
      message.type = MessageType.Response;
      message.status = first == 0x2d || first == 0x21 ? ResponseStatus.Error : ResponseStatus.Ok;
      return DecodeStatus.Done;
    }
    message.type = MessageType.Request;
    this.commandMetadata(input, message);
    return DecodeStatus.Done;
  }

  /** method and key from the first two bulk strings of a command array (small reads only). */
  private commandMetadata(input: FrameInput, message: Message): void {
    const s = this.scanner;
    const cr = s.lineEnd(0, MAX_HEADER_LINE + 2);
    let at = cr + 2;
    for (let i = 0; i < 2; i++) {
      if (at >= input.available || input.byteAt(at) != 0x24) return;
      const lineCr = s.lineEnd(at, MAX_HEADER_LINE + 2);
      if (lineCr < 0) return;
      const len = s.integer(at, lineCr);
      if (len < 0 || len > MAX_METADATA_VALUE || lineCr + 2 + <i32>len > input.available) return;
      if (!this.setWord(input, lineCr + 2, <i32>len, i == 0, message)) return;
      at = lineCr + 2 + <i32>len + 2;
    }
  }

  /**
   * Sets `method` (upper-cased) from the first word, `key` from the second; false when no key
   * follows (a keyless command, or a word too long to keep).
   */
  private setWord(input: FrameInput, at: i32, length: i32, isCommand: bool, message: Message): bool {
    if (length > MAX_METADATA_VALUE) return false;
    const text = this.text;
    for (let i = 0; i < length; i++) {
      const c = input.byteAt(at + i);
      unchecked((text[i] = isCommand && c >= 0x61 && c <= 0x7a ? c - 0x20 : c));
    }
    if (!isCommand) {
      message.metadata.set(KEY, String.UTF8.decodeUnsafe(text.dataStart, <usize>length));
      return false;
    }
    if (!this.isLastCommand(length)) {
      this.lastCommand = String.UTF8.decodeUnsafe(text.dataStart, <usize>length);
      this.lastCommandBytes = text.slice(0, length);
      this.lastCommandKeyless = KEYLESS.has(this.lastCommand);
    }
    message.metadata.set(METHOD, this.lastCommand);
    return !this.lastCommandKeyless;
  }

  /** Whether the `length` bytes in `text` are the last command's name. */
  private isLastCommand(length: i32): bool {
    const last = this.lastCommandBytes;
    if (last.length != length) return false;
    return memory.compare(last.dataStart, this.text.dataStart, <usize>length) == 0;
  }

  /** An inline command ("PING\r\n", "SET k v\r\n"): words separated by spaces. */
  private decodeInline(input: FrameInput, message: Message): DecodeStatus {
    const maxFrameSize = this.maxFrameSize;
    const cr = this.scanner.lineEnd(0, MAX_INLINE < maxFrameSize ? MAX_INLINE : maxFrameSize);
    if (cr == NEED_MORE) return DecodeStatus.NeedMoreData;
    if (cr < 0) return this.fail("redis: inline command too long or malformed");
    message.type = MessageType.Request;
    message.frameSize = cr + 2;
    let at = 0;
    for (let i = 0; i < 2; i++) {
      while (at < cr && input.byteAt(at) == SPACE) at++;
      if (at == cr) break;
      const start = at;
      while (at < cr && input.byteAt(at) != SPACE) at++;
      if (!this.setWord(input, start, at - start, i == 0, message)) break;
    }
    return DecodeStatus.Done;
  }

  /** Redis commands carry no header fields: frames pass unchanged. */
  encode(input: FrameInput, message: Message, mutation: Mutation): Uint8Array {
    return input.bytes(0, message.frameSize).slice();
  }

  errorReply(request: Message, kind: ErrorKind, detail: string): Uint8Array {
    const clean = detail.replaceAll("\r", " ").replaceAll("\n", " ");
    return Uint8Array.wrap(String.UTF8.encode("-ERR " + clean + "\r\n"));
  }

  /** PING: every Redis server answers it at once, in order. */
  probeRequest(request: Message): Uint8Array | null {
    return Uint8Array.wrap(String.UTF8.encode("*1\r\n$4\r\nPING\r\n"));
  }

  pairsByOrder(): bool {
    return true;
  }
}

export class RedisCodecFactory extends CodecFactory {
  get name(): string {
    return "redis";
  }
  create(maxFrameSize: i32): Codec {
    return new RedisCodec(maxFrameSize);
  }
}
