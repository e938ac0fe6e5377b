// One direction of a connection as a run of frames over Envoy's buffer, across data callbacks.
// Positions are logical: bytes carried over from an earlier callback (already passed on, kept only
// to finish decoding a header) come first, then the host buffer.
import { getBufferBytes, setBufferBytes } from "../abi/host";
import { BufferType } from "../abi/types";
import { HostBufferInput } from "./host-input";

export class FrameStream {
  readonly input: HostBufferInput;
  /** Where decoding resumes: bytes before it are decided but still in Envoy's buffer (paused). */
  resumeAt: i32 = 0;
  /** Bytes of a decided frame that have not arrived yet: they pass (or are dropped) unread. */
  private skip: i32 = 0;
  private dropping: bool = false;
  /** The undecided bytes at the end of the buffer when it was last held, for a pass while away. */
  private tail: Uint8Array | null = null;

  constructor(private type: BufferType) {
    this.input = new HostBufferInput(type);
  }

  begin(bufferSize: i32): void {
    this.input.begin(bufferSize);
  }

  get length(): i32 {
    return this.input.length;
  }

  /** Moves past a frame of `frameSize` bytes at `pos`; the part not here yet becomes the skip. */
  advance(pos: i32, frameSize: i32): i32 {
    const end = pos + frameSize;
    if (end <= this.length) return end;
    this.skip = end - this.length;
    this.dropping = false;
    return this.length;
  }

  /** Consumes the bytes at `pos` that belong to a frame decided earlier; returns the next frame's start. */
  skipDecided(pos: i32): i32 {
    if (this.skip == 0) return pos;
    const here = this.length - pos;
    const n = this.skip < here ? this.skip : here;
    this.skip -= n;
    if (!this.dropping) return pos + n;
    this.replace(pos, pos + n, new Uint8Array(0));
    if (this.skip == 0) this.dropping = false;
    return pos;
  }

  /** The next `n` bytes to arrive belong to a frame that was replaced: remove them. */
  dropNext(n: i32): void {
    this.skip = n;
    this.dropping = true;
  }

  /** The buffer stays in Envoy (StopIteration); decoding resumes at `pos` next time. */
  hold(pos: i32): void {
    this.resumeAt = pos;
    this.tail = pos < this.length ? this.input.copy(pos, this.length - pos) : null;
  }

  /** Everything buffered passes now (Continue); an undecided tail from `pos` is kept in guest memory. */
  passed(pos: i32): void {
    if (pos < this.length) this.input.carryFrom(pos);
    else this.input.dropCarry();
    this.resumeAt = 0;
    this.tail = null;
  }

  /** A held buffer passed from outside a data callback (continue_stream): only its tail is known. */
  passedWhileAway(): void {
    const tail = this.tail;
    if (tail !== null) this.input.adoptCarry(tail);
    else this.input.dropCarry();
    this.resumeAt = 0;
    this.tail = null;
  }

  /**
   * Replaces logical bytes [from, to) with `data` in Envoy's buffer. Envoy edits only at the start
   * (drain and prepend) or the end, so a change in the middle rewrites the whole buffer: that is
   * the local-reply and mutation path, never the per-message one. The range must not start in the carry.
   */
  replace(from: i32, to: i32, data: Uint8Array): void {
    const carried = this.input.carried;
    const start = from - carried;
    const end = to - carried;
    const size = this.length - carried;
    if (start == 0) {
      setBufferBytes(this.type, 0, <u32>end, data);
    } else {
      const old = Uint8Array.wrap(getBufferBytes(this.type, 0, <u32>size)!);
      const edited = new Uint8Array(size - (end - start) + data.length);
      edited.set(old.subarray(0, start), 0);
      edited.set(data, start);
      edited.set(old.subarray(end), start + data.length);
      setBufferBytes(this.type, 0, <u32>size, edited);
    }
    this.input.resized(size - (end - start) + data.length);
  }
}
