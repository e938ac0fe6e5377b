// The FrameInput the framework hands to codecs: one direction's bytes as seen during one data
// callback, which are the bytes carried over from earlier callbacks (a frame's head that passed
// on before it could be decoded, see frame-stream.ts) followed by the host's buffer. Reads are served from one
// cached window, so the header of a frame (and of the frames after it, when they are small) costs
// one copy from the host; the payload is never fetched unless a codec asks for it.
import { FrameInput } from "./input";

/** Bytes fetched per window: enough for many small frames or one header, never a large payload. */
const WINDOW: i32 = 4096;

/**
 * One window per VM, lent to the input that loaded it last: a window is only valid within one
 * callback (begin and resized forget it) and one callback reads one connection, so a window per
 * input (8 KB per connection) bought nothing. A view that bytes() returned is valid until another
 * input reads: codecs read one input at a time.
 */
let sharedWindow: Uint8Array = new Uint8Array(WINDOW);
const NO_BYTES = new Uint8Array(0);
let windowOwner: BufferedInput | null = null;

export abstract class BufferedInput extends FrameInput {
  /** Copies `length` bytes at `start` of the host buffer into `into` (from its offset 0); returns bytes copied. */
  protected abstract fetch(start: i32, length: i32, into: Uint8Array): i32;

  private carry: Uint8Array = NO_BYTES;
  private carryLength: i32 = 0;
  private bufferSize: i32 = 0;
  /** Start of the current frame in the logical stream (carry then buffer). */
  private frameStart: i32 = 0;
  private windowStart: i32 = 0;
  private windowLength: i32 = 0;

  /** A data callback starts with `bufferSize` bytes in the host buffer. */
  begin(bufferSize: i32): void {
    this.bufferSize = bufferSize;
    this.frameStart = 0;
    this.windowLength = 0;
  }

  /** The host buffer was edited (a frame replaced): its new size; cached bytes are stale. */
  resized(bufferSize: i32): void {
    this.bufferSize = bufferSize;
    this.windowLength = 0;
  }

  /** Carry bytes plus host bytes. */
  get length(): i32 {
    return this.carryLength + this.bufferSize;
  }

  get carried(): i32 {
    return this.carryLength;
  }

  /** Moves the current frame to `position` of the logical stream. */
  seek(position: i32): void {
    this.frameStart = position;
  }

  get position(): i32 {
    return this.frameStart;
  }

  get available(): i32 {
    return this.length - this.frameStart;
  }

  bytes(offset: i32, length: i32): Uint8Array {
    const from = this.frameStart + offset;
    if (windowOwner === this && from >= this.windowStart && from + length <= this.windowStart + this.windowLength) {
      const at = from - this.windowStart;
      return sharedWindow.subarray(at, at + length);
    }
    this.load(from, length);
    return sharedWindow.subarray(0, length);
  }

  copyTo(offset: i32, length: i32, into: Uint8Array): void {
    const from = this.frameStart + offset;
    if (windowOwner !== this || from < this.windowStart || from + length > this.windowStart + this.windowLength) this.load(from, length);
    memory.copy(into.dataStart, sharedWindow.dataStart + <usize>(from - this.windowStart), <usize>length);
  }

  byteAt(offset: i32): u8 {
    const from = this.frameStart + offset;
    if (windowOwner !== this || from < this.windowStart || from >= this.windowStart + this.windowLength) this.load(from, 1);
    return unchecked(sharedWindow[from - this.windowStart]);
  }

  /** Fills the window from logical position `from` with at least `length` bytes (more when cheap). */
  private load(from: i32, length: i32): void {
    let want = length > WINDOW ? length : WINDOW;
    if (want > this.length - from) want = this.length - from;
    if (want < length) want = length;
    if (sharedWindow.length < want) sharedWindow = new Uint8Array(want);
    const window = sharedWindow;
    windowOwner = this;
    let filled = 0;
    // Carried bytes first.
    while (from + filled < this.carryLength && filled < want) {
      window[filled] = this.carry[from + filled];
      filled++;
    }
    if (filled < want) {
      const hostStart = from + filled - this.carryLength;
      const into = filled == 0 ? window : window.subarray(filled);
      filled += this.fetch(hostStart, want - filled, into);
    }
    this.windowStart = from;
    this.windowLength = filled;
  }

  /**
   * At the end of a callback whose host bytes all pass on: keeps the logical bytes from `from` on
   * (a frame not yet decodable) in guest memory, to be read before the next callback's buffer.
   */
  carryFrom(from: i32): void {
    const keep = this.length - from;
    const kept = new Uint8Array(keep > 0 ? keep : 0);
    for (let i = 0; i < keep; i++) {
      const p = from + i;
      if (p < this.carryLength) kept[i] = this.carry[p];
      else break;
    }
    const carriedPart = this.carryLength > from ? this.carryLength - from : 0;
    if (carriedPart < keep) {
      const hostStart = from + carriedPart - this.carryLength;
      this.fetch(hostStart, keep - carriedPart, carriedPart == 0 ? kept : kept.subarray(carriedPart));
    }
    this.carry = kept;
    this.carryLength = keep;
    this.windowLength = 0;
  }

  /** Forgets carried bytes (they were all decided). */
  dropCarry(): void {
    this.carryLength = 0;
    this.windowLength = 0;
  }
}

/** A BufferedInput over bytes in guest memory that stand for the host buffer (tests, benchmarks). */
export class MemoryBufferedInput extends BufferedInput {
  data: Uint8Array = new Uint8Array(0);
  /** Host copies made, to check that payloads are not fetched. */
  fetches: i32 = 0;
  fetchedBytes: i32 = 0;

  protected fetch(start: i32, length: i32, into: Uint8Array): i32 {
    let n = this.data.length - start;
    if (n > length) n = length;
    if (n <= 0) return 0;
    this.fetches++;
    this.fetchedBytes += n;
    into.set(this.data.subarray(start, start + n));
    return n;
  }
}
