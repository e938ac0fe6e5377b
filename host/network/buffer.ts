// A byte queue with the subset of Envoy's Buffer::Instance that network filters use.
// Held as a list of slices so that adding and draining never copy the payload.
export class ByteBuffer {
  private slices: Buffer[] = [];
  private size = 0;

  get length(): number {
    return this.size;
  }

  add(data: Uint8Array): void {
    if (data.length === 0) return;
    this.slices.push(Buffer.from(data.buffer, data.byteOffset, data.length));
    this.size += data.length;
  }

  prepend(data: Uint8Array): void {
    if (data.length === 0) return;
    this.slices.unshift(Buffer.from(data.buffer, data.byteOffset, data.length));
    this.size += data.length;
  }

  /** Removes the first `n` bytes (all of them if n >= length). */
  drain(n: number): void {
    let left = Math.min(n, this.size);
    this.size -= left;
    while (left > 0) {
      const head = this.slices[0];
      if (head.length <= left) {
        this.slices.shift();
        left -= head.length;
      } else {
        this.slices[0] = head.subarray(left);
        left = 0;
      }
    }
  }

  /**
   * `length` bytes from `start` (clamped to what is there): a view when they lie in one slice (to
   * be used before the buffer changes, as the host does when it copies them into the guest),
   * else a copy.
   */
  copyOut(start: number, length: number): Buffer {
    const end = Math.min(this.size, start + length);
    if (start >= end) return Buffer.alloc(0);
    let at = 0;
    for (const s of this.slices) {
      if (start >= at && end <= at + s.length) return s.subarray(start - at, end - at);
      if (at + s.length > start) break;
      at += s.length;
    }
    const out = Buffer.allocUnsafe(end - start);
    let pos = 0;
    let written = 0;
    for (const s of this.slices) {
      const sEnd = pos + s.length;
      if (sEnd > start && pos < end) {
        const from = Math.max(start, pos) - pos;
        const to = Math.min(end, sEnd) - pos;
        s.copy(out, written, from, to);
        written += to - from;
      }
      pos = sEnd;
      if (pos >= end) break;
    }
    return out;
  }

  /** Moves every byte of `other` to the end of this buffer. */
  move(other: ByteBuffer): void {
    for (const s of other.slices) this.slices.push(s);
    this.size += other.size;
    other.slices = [];
    other.size = 0;
  }

  /** The whole content as one Buffer (copies only when there is more than one slice). */
  toBuffer(): Buffer {
    if (this.slices.length === 1) return this.slices[0];
    return Buffer.concat(this.slices, this.size);
  }
}
