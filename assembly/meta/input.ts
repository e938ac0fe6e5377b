// What a codec reads from: the bytes buffered for one direction of a connection, starting at the
// frame being decoded. Reading is by explicit ranges so that a codec fetches its header and never
// the payload: backed by the host buffer, each range may be one copy across the VM boundary.

export abstract class FrameInput {
  /** Bytes buffered from the start of the current frame. */
  abstract get available(): i32;
  /**
   * `length` bytes starting `offset` bytes into the frame. The caller keeps
   * offset + length <= available. The array may be a view into a cache: do not keep it
   * across decode calls.
   */
  abstract bytes(offset: i32, length: i32): Uint8Array;

  /** The byte `offset` bytes into the frame (offset < available), without making a view. */
  byteAt(offset: i32): u8 {
    return this.bytes(offset, 1)[0];
  }

  /**
   * Copies `length` bytes starting `offset` bytes into the frame to the start of `into` (as
   * `bytes`, but into the caller's array): a codec that reads every frame through its own scratch
   * array makes no view object, and so no garbage, per frame.
   */
  copyTo(offset: i32, length: i32, into: Uint8Array): void {
    into.set(this.bytes(offset, length));
  }
}

/** A FrameInput over bytes already in guest memory (tests, benchmarks, re-encoding). */
export class MemoryInput extends FrameInput {
  constructor(private data: Uint8Array, private start: i32 = 0) {
    super();
  }
  get available(): i32 {
    return this.data.length - this.start;
  }
  bytes(offset: i32, length: i32): Uint8Array {
    const from = this.start + offset;
    return this.data.subarray(from, from + length);
  }
  byteAt(offset: i32): u8 {
    return this.data[this.start + offset];
  }
  /** Moves the frame start forward (after a frame was taken). */
  advance(n: i32): void {
    this.start += n;
  }
}
