// Big-endian integers in byte arrays: the length and id fields of the binary protocols' headers.

/** The unsigned 32-bit integer at `at` (the caller keeps at + 4 <= b.length). */
export function readU32(b: Uint8Array, at: i32): u32 {
  return (<u32>b[at] << 24) | (<u32>b[at + 1] << 16) | (<u32>b[at + 2] << 8) | <u32>b[at + 3];
}

/** The unsigned 64-bit integer at `at` (the caller keeps at + 8 <= b.length). */
export function readU64(b: Uint8Array, at: i32): u64 {
  return (<u64>readU32(b, at) << 32) | <u64>readU32(b, at + 4);
}

/** Writes `v` at `at` (the caller keeps at + 4 <= b.length). */
export function writeU32(b: Uint8Array, at: i32, v: u32): void {
  b[at] = <u8>(v >>> 24);
  b[at + 1] = <u8>(v >>> 16);
  b[at + 2] = <u8>(v >>> 8);
  b[at + 3] = <u8>v;
}
