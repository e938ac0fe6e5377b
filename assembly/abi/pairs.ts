// The serialized map the ABI uses for HTTP headers and gRPC metadata (spec "Serialization"):
// u32 count, then u32 key size and u32 value size per pair, then each key and value followed by
// a NUL byte. Integers little-endian, as Wasm stores them.

/** Serializes `pairs`, given flat as [key0, value0, key1, value1, ...]. An empty list gives an empty map. */
export function serializePairs(pairs: string[]): Uint8Array {
  const count = pairs.length >> 1;
  if (count == 0) return new Uint8Array(0);
  let size = 4 + count * 8;
  for (let i = 0; i < count * 2; i++) size += String.UTF8.byteLength(pairs[i]) + 1;
  const out = new Uint8Array(size);
  const base = out.dataStart;
  store<u32>(base, count);
  let sizes = base + 4;
  let text = base + 4 + count * 8;
  for (let i = 0; i < count * 2; i++) {
    const s = pairs[i];
    const written = String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, text);
    store<u32>(sizes, <u32>written);
    sizes += 4;
    text += written;
    store<u8>(text, 0);
    text += 1;
  }
  return out;
}
