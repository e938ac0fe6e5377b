// Helpers shared by the xDS specs: bytes from the fixtures' arrays, and damaged copies of them.

export function bytesOf(data: u8[]): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i];
  return out;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): bool {
  if (a.length != b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] != b[i]) return false;
  return true;
}

/** A small deterministic generator (xorshift32), so a failing corruption can be replayed. */
export class Random {
  constructor(private state: u32) {}
  next(): u32 {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x;
    return x;
  }
  below(n: i32): i32 {
    return <i32>(this.next() % <u32>n);
  }
}

/** A copy of `data` with `flips` random bits flipped. */
export function withFlippedBits(data: Uint8Array, random: Random, flips: i32): Uint8Array {
  const out = data.slice();
  for (let i = 0; i < flips; i++) {
    const at = random.below(out.length);
    out[at] = <u8>(<i32>out[at] ^ (1 << random.below(8)));
  }
  return out;
}
