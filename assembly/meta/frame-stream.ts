// One direction of a connection as a run of frames over Envoy's buffer, across data callbacks.
// Positions are logical: bytes carried over from an earlier callback (already passed on, kept only
// to finish decoding a header) come first, then the host buffer.
import { PortInput } from "./port-input";
import { BufferPort } from "./ports";

/** A replacement of logical bytes [from, to) waiting in applyEdits. */
class Edit {
  constructor(readonly from: i32, readonly to: i32, readonly data: Uint8Array) {}
}

export class FrameStream {
  readonly input: PortInput;
  /** Where decoding resumes: bytes before it are decided but still in Envoy's buffer (paused). */
  resumeAt: i32 = 0;
  /** Bytes of a decided frame that have not arrived yet: they pass (or are dropped) unread. */
  private skip: i32 = 0;
  private dropping: bool = false;

  constructor(private port: BufferPort) {
    this.input = new PortInput(port);
  }

  /**
   * Bytes taken out of Envoy's buffer (withhold) that go back in front of the next callback's:
   * the first `withheldLength` bytes of `withheld`, whose size is the frame's when it is known.
   */
  private withheld: Uint8Array | null = null;
  private withheldLength: i32 = 0;

  /**
   * A data callback starts with `bufferSize` bytes in Envoy's buffer; withheld bytes go back in
   * front of them, unless the frame they start is still not whole: then the new bytes join them in
   * guest memory and nothing passes (until `endOfStream`: then everything passes as it is).
   */
  begin(bufferSize: i32, endOfStream: bool = false): void {
    const withheld = this.withheld;
    if (withheld !== null) {
      const held = this.withheldLength;
      if (!endOfStream && held + bufferSize < withheld.length) {
        this.port.fetch(0, bufferSize, withheld.subarray(held));
        this.port.write(0, bufferSize, new Uint8Array(0));
        this.withheldLength = held + bufferSize;
        this.input.begin(0);
        return;
      }
      this.withheld = null;
      this.port.write(0, 0, withheld.subarray(0, held));
      bufferSize += held;
    }
    this.input.begin(bufferSize);
  }

  /**
   * Takes the bytes from `pos` to the end out of Envoy's buffer (rewritten whole: Envoy edits only
   * at its ends) and keeps them for the next callback; `frameSize`, when known, is the size of the
   * frame they start, which then waits in guest memory until whole. `pos` must not be in the carry.
   */
  withhold(pos: i32, frameSize: i32): void {
    const carried = this.input.carried;
    const size = this.length - carried;
    const start = pos - carried;
    const all = new Uint8Array(size);
    this.port.fetch(0, size, all);
    this.port.write(0, size, all.subarray(0, start));
    const tail = size - start;
    const kept = new Uint8Array(frameSize > tail ? frameSize : tail);
    kept.set(all.subarray(start));
    this.withheld = kept;
    this.withheldLength = tail;
    this.input.resized(start);
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

  /** Whether bytes of a frame decided earlier are still to come. */
  get skipping(): bool {
    return this.skip > 0;
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
  }

  /** Everything buffered passes now (Continue); an undecided tail from `pos` is kept in guest memory. */
  passed(pos: i32): void {
    if (pos < this.length) this.input.carryFrom(pos);
    else this.input.dropCarry();
    this.resumeAt = 0;
  }

  /**
   * A held buffer passes from outside a data callback (continue_stream). Envoy keeps a paused
   * buffer reachable, so the undecided bytes from `pos` are taken out now and put back in front of
   * the next callback's bytes; once the client has ended its stream no such callback comes, and
   * they pass (kept as the carry).
   */
  passedWhileAway(pos: i32, clientEnded: bool): void {
    const size = this.port.size;
    this.input.begin(size);
    const start = pos - this.input.carried;
    // Continue passes the whole buffer: the undecided bytes are taken out first, so that no frame
    // starts in bytes already gone.
    if (!clientEnded && start >= 0 && start < size) this.withhold(pos, 0);
    this.passed(pos);
  }

  /**
   * Replaces logical bytes [from, to) with `data` in Envoy's buffer now (the local-reply and
   * mutation paths, never the per-message one). The range must not start in the carry.
   */
  replace(from: i32, to: i32, data: Uint8Array): void {
    this.queueEdit(from, to, data);
    this.applyEdits();
  }


  /** Made on the first edit (most connections never edit a frame), then reused. */
  private edits: Edit[] | null = null;

  private queueEdit(from: i32, to: i32, data: Uint8Array): void {
    let edits = this.edits;
    if (edits === null) this.edits = edits = [];
    edits.push(new Edit(from, to, data));
  }

  /**
   * Queues putting `bytes` in place of the frame of `frameSize` bytes at `pos` (the part of it
   * still to come will be dropped); applyEdits writes every queued edit at once. `pos` must not be
   * in the carry, and queued edits must come in stream order.
   */
  queueFrame(pos: i32, frameSize: i32, bytes: Uint8Array): void {
    const end = pos + frameSize;
    const here = this.length;
    this.queueEdit(pos, end < here ? end : here, bytes);
    if (end > here) this.dropNext(end - here);
  }

  /**
   * Writes the queued edits into Envoy's buffer at once: one edit at its start is a drain and
   * prepend; anything else rewrites the buffer once (Envoy edits only at its ends), however many
   * frames changed. Returns how much the buffer's size changed.
   */
  applyEdits(): i32 {
    const edits = this.edits;
    if (edits === null || edits.length == 0) return 0;
    const carried = this.input.carried;
    const size = this.length - carried;
    let edited = size;
    for (let i = 0; i < edits.length; i++) {
      const e = unchecked(edits[i]);
      edited += e.data.length - (e.to - e.from);
    }
    const first = unchecked(edits[0]);
    if (edits.length == 1 && first.from == carried) {
      this.port.write(0, first.to - carried, first.data);
    } else {
      const old = new Uint8Array(size);
      this.port.fetch(0, size, old);
      const out = new Uint8Array(edited);
      let read = 0;
      let written = 0;
      for (let i = 0; i < edits.length; i++) {
        const e = unchecked(edits[i]);
        const start = e.from - carried;
        out.set(old.subarray(read, start), written);
        written += start - read;
        out.set(e.data, written);
        written += e.data.length;
        read = e.to - carried;
      }
      out.set(old.subarray(read), written);
      this.port.write(0, size, out);
    }
    edits.length = 0;
    this.input.resized(edited);
    return edited - size;
  }

  /**
   * Puts `bytes` in place of the frame of `frameSize` bytes at `pos`; the part of it still to come
   * will be dropped. Returns where the next frame starts.
   */
  replaceFrame(pos: i32, frameSize: i32, bytes: Uint8Array): i32 {
    this.queueFrame(pos, frameSize, bytes);
    this.applyEdits();
    return pos + bytes.length;
  }
}
