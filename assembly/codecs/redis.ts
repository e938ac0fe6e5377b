// Redis RESP (2 and 3): requests are arrays of bulk strings (or inline commands, as redis-server
// accepts them); the command becomes `method` (upper-cased) and its first argument `key`, unless
// the command takes no key (CLIENT, PING, SELECT, ...).
// Redis has no request ids: responses answer requests in order. Bulk payloads are skipped by
// their length without being read; when the last bulk of a frame has not all arrived, the frame
// is already decoded (its length is known), so a large SET costs what its header costs.
import { Codec, CodecFactory, DecodeStatus, Direction } from "../meta/codec";
import { FrameInput, MemoryInput } from "../meta/input";
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
/** Where the scanner copies a command's name and key (one each per VM: decoding never pauses). */
const COMMAND_TEXT = new Uint8Array(MAX_METADATA_VALUE);
const KEY_TEXT = new Uint8Array(MAX_METADATA_VALUE);

/** Commands whose first argument is not a key (connection, server and pub/sub commands): no `key`. */
const KEYLESS_LIST: string[] = [
  "AUTH", "CLIENT", "CLUSTER", "COMMAND", "CONFIG", "DBSIZE", "DISCARD", "ECHO", "EXEC", "FLUSHALL", "FLUSHDB",
  "FUNCTION", "HELLO", "INFO", "KEYS", "LASTSAVE", "MONITOR", "MULTI", "PING", "PSUBSCRIBE", "PUBLISH", "QUIT",
  "READONLY", "READWRITE", "RESET", "SAVE", "SCAN", "SCRIPT", "SELECT", "SUBSCRIBE", "TIME", "UNWATCH",
];
const KEYLESS = new Set<string>();
for (let i = 0; i < KEYLESS_LIST.length; i++) KEYLESS.add(KEYLESS_LIST[i]);

const SPACE: u8 = 0x20;

const NEED_MORE: i32 = -1;
const MALFORMED: i32 = -2;
const TOO_LARGE: i32 = -3;
/** The length or count "-1": a RESP2 null. */
const NULL_LENGTH: i64 = -101;

/**
 * Bytes copied from the input per load when fewer would do: a command's header, a reply's line.
 * Small enough that a load from a frame's start mostly fits in the input's current window (a load
 * past that window's end makes the input copy from the host again).
 */
const CHUNK: i32 = 256;
/** Most bytes loaded while looking for a line's end: BufferedInput's window. */
const WINDOW: i32 = 4096;
/**
 * The bytes the scanner reads, copied from the input (one per VM: decoding never pauses). A copy
 * into this array, not a view of the input, so that scanning a frame makes no garbage.
 */
const SCANNED = new Uint8Array(WINDOW);

/**
 * Walks one RESP value; positions are offsets from the start of the frame. Bytes are read from
 * SCANNED (frame offsets [windowStart, windowEnd)) with plain loads; a read outside it loads them
 * from the input.
 */
class RespScanner {
  input: FrameInput = EMPTY_INPUT;
  /** The input's buffered bytes, read once per decode. */
  available: i32 = 0;
  /** Offset of the first byte after the value scanned, when it returned >= 0. */
  end: i32 = 0;
  /** The value's data ends past the buffered bytes but the frame's length is known: done early. */
  partial: bool = false;
  /**
   * A command's name (upper-cased) and first argument, copied while the scan passes them (a large
   * argument after them moves the window away): words 0 and 1 of a command array or line.
   */
  readonly words: StaticArray<Uint8Array> = [COMMAND_TEXT, KEY_TEXT];
  /** Bytes of each word, or -1 when it is not there (not a bulk string, too long, not all buffered). */
  readonly wordLength: StaticArray<i32> = new StaticArray<i32>(2);
  /** Whether to copy words (a command's, not a reply's). */
  private wantsWords: bool = false;
  /** Which word the top-level array's element being scanned is (-1: none). */
  private element: i32 = -1;
  private windowStart: i32 = 0;
  private windowEnd: i32 = 0;

  maxFrameSize: i32 = 0;

  /** Starts a decode of the frame at the start of `input`; `wantsWords` for a command. */
  reset(input: FrameInput, maxFrameSize: i32, wantsWords: bool): void {
    this.input = input;
    this.maxFrameSize = maxFrameSize;
    this.wantsWords = wantsWords;
    this.available = input.available;
    this.partial = false;
    this.windowStart = 0;
    this.windowEnd = 0;
    unchecked((this.wordLength[0] = -1));
    unchecked((this.wordLength[1] = -1));
  }

  /** Makes the window hold [at, at + n); the caller keeps at + n <= available. */
  @inline
  cover(at: i32, n: i32): void {
    if (at < this.windowStart || at + n > this.windowEnd) this.load(at, n);
  }

  /** The byte at `at` (< available). */
  @inline
  byte(at: i32): u8 {
    this.cover(at, 1);
    return unchecked(SCANNED[at - this.windowStart]);
  }

  /** The window's byte for frame offset `at`, which the window holds. */
  @inline
  covered(at: i32): u8 {
    return unchecked(SCANNED[at - this.windowStart]);
  }

  /** Loads from `at` at least `n` (at most WINDOW) bytes, CHUNK when that many are buffered. */
  private load(at: i32, n: i32): void {
    let size = this.available - at;
    const want = n > CHUNK ? n : CHUNK;
    if (size > want) size = want;
    this.input.copyTo(at, size, SCANNED);
    this.windowStart = at;
    this.windowEnd = at + size;
  }

  /** Offset of the CR ending the line that starts at `at`, or NEED_MORE / MALFORMED. */
  lineEnd(at: i32, limit: i32): i32 {
    const available = this.available - at;
    const look = available < limit ? available : limit;
    if (look <= 0) return NEED_MORE;
    const stop = at + look;
    let i = at;
    while (i < stop) {
      if (i < this.windowStart || i >= this.windowEnd) {
        const rest = stop - i;
        this.load(i, rest < WINDOW ? rest : WINDOW);
      }
      const run = this.windowEnd < stop ? this.windowEnd : stop;
      const view = SCANNED;
      const start = this.windowStart;
      while (i < run && unchecked(view[i - start]) != LF) i++;
      if (i < run) {
        // The CR may sit at the end of the previous view.
        if (i == at || this.byte(i - 1) != CR) return MALFORMED;
        return i - 1;
      }
    }
    return available < limit ? NEED_MORE : MALFORMED;
  }

  /** The integer on the line [at + 1, crAt): a RESP length or count, NULL_LENGTH, or an error code. */
  integer(at: i32, crAt: i32): i64 {
    const n = crAt - at - 1;
    if (n <= 0 || n > 20) return MALFORMED;
    this.cover(at + 1, n);
    if (this.covered(at + 1) == 0x2d) return n == 2 && this.covered(at + 2) == 0x31 ? NULL_LENGTH : MALFORMED;
    let v: i64 = 0;
    for (let i = 0; i < n; i++) {
      const c = <i32>this.covered(at + 1 + i);
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
    if (this.available <= at) return NEED_MORE;
    const type = this.byte(at);
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
        if (depth == 1 && type == 0x24 && this.element >= 0) this.copyWord(this.element, lineNext, <i32>len);
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
          if (depth == 0) this.element = i < 2 && this.wantsWords ? <i32>i : -1;
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
    const frameEnd = <i32>end;
    this.end = frameEnd;
    if (frameEnd <= this.available) {
      this.cover(frameEnd - 2, 2);
      return this.covered(frameEnd - 2) == CR && this.covered(frameEnd - 1) == LF ? 0 : MALFORMED;
    }
    if (last) {
      this.partial = true;
      return 0;
    }
    return NEED_MORE;
  }

  /**
   * Copies word `index` (0: the command, upper-cased; 1: the key) from [at, at + length) when it
   * is short enough to keep and all buffered.
   */
  copyWord(index: i32, at: i32, length: i32): void {
    if (length > MAX_METADATA_VALUE || at + length > this.available) return;
    this.cover(at, length);
    const into = unchecked(this.words[index]);
    if (index == 0) {
      for (let i = 0; i < length; i++) {
        const c = this.covered(at + i);
        unchecked((into[i] = c >= 0x61 && c <= 0x7a ? c - 0x20 : c));
      }
    } else {
      memory.copy(into.dataStart, SCANNED.dataStart + <usize>(at - this.windowStart), <usize>length);
    }
    unchecked((this.wordLength[index] = length));
  }
}

const EMPTY_INPUT = new MemoryInput(new Uint8Array(0));

/** Scratch state of one decode, reused by every connection of the VM (a decode runs within one callback). */
const scanner = new RespScanner();

export class RedisCodec extends Codec {
  /**
   * The last command name, its bytes and whether it takes a key: a connection mostly repeats a few
   * commands, so the name is reused instead of decoded into a new string per request.
   */
  private lastCommand: string = "";
  private lastCommandBytes: Uint8Array = new Uint8Array(0);
  private lastCommandKeyless: bool = false;

  decode(input: FrameInput, direction: Direction, message: Message): DecodeStatus {
    const s = scanner;
    s.reset(input, this.maxFrameSize, direction == Direction.Downstream);
    if (s.available == 0) return DecodeStatus.NeedMoreData;
    const first = s.byte(0);
    if (direction == Direction.Downstream && first != 0x2a) return this.decodeInline(message);
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
    this.commandMetadata(message);
    return DecodeStatus.Done;
  }

  /** method and key from the words the scanner copied. */
  private commandMetadata(message: Message): void {
    const words = scanner.wordLength;
    if (unchecked(words[0]) < 0 || !this.setCommand(message, unchecked(words[0]))) return;
    const keyLength = unchecked(words[1]);
    if (keyLength >= 0) message.metadata.set(KEY, String.UTF8.decodeUnsafe(KEY_TEXT.dataStart, <usize>keyLength));
  }

  /** Sets `method` from the command name in COMMAND_TEXT; false when the command takes no key. */
  private setCommand(message: Message, length: i32): bool {
    if (!this.isLastCommand(length)) {
      this.lastCommand = String.UTF8.decodeUnsafe(COMMAND_TEXT.dataStart, <usize>length);
      this.lastCommandBytes = COMMAND_TEXT.slice(0, length);
      this.lastCommandKeyless = KEYLESS.has(this.lastCommand);
    }
    message.metadata.set(METHOD, this.lastCommand);
    return !this.lastCommandKeyless;
  }

  /** Whether the `length` bytes in COMMAND_TEXT are the last command's name. */
  private isLastCommand(length: i32): bool {
    const last = this.lastCommandBytes;
    if (last.length != length) return false;
    return memory.compare(last.dataStart, COMMAND_TEXT.dataStart, <usize>length) == 0;
  }

  /** An inline command ("PING\r\n", "SET k v\r\n"): words separated by spaces. */
  private decodeInline(message: Message): DecodeStatus {
    const s = scanner;
    const maxFrameSize = this.maxFrameSize;
    const cr = s.lineEnd(0, MAX_INLINE < maxFrameSize ? MAX_INLINE : maxFrameSize);
    if (cr == NEED_MORE) return DecodeStatus.NeedMoreData;
    if (cr < 0) return this.fail("redis: inline command too long or malformed");
    message.type = MessageType.Request;
    message.frameSize = cr + 2;
    let at = 0;
    for (let i = 0; i < 2; i++) {
      while (at < cr && s.byte(at) == SPACE) at++;
      if (at == cr) break;
      const start = at;
      while (at < cr && s.byte(at) != SPACE) at++;
      s.copyWord(i, start, at - start);
    }
    this.commandMetadata(message);
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
