// A route's hash policy (Aeraki's RouteAction `hash_policy`): the metadata keys whose values pick
// the cluster, so that requests with the same values go to the same cluster on every connection,
// worker and Envoy. The hash is xxHash64 (Cyan4973's XXH64) chained over the values in key order,
// seed 0 for the first value and each value's hash the seed of the next, as Envoy's
// HashUtil::xxHash64(Span<string_view>) computes it: no per-process seed, and since every value is
// hashed with its own length no two different value lists are joined into the same input. A
// missing key hashes as the empty value; when none of the keys is present there is no hash.
// (Aeraki sorts the values before hashing, which makes {a: x, b: y} and {a: y, b: x} collide; we
// keep the keys' order.)
import { Metadata } from "../meta/metadata";

const P1: u64 = 0x9e3779b185ebca87;
const P2: u64 = 0xc2b2ae3d27d4eb4f;
const P3: u64 = 0x165667b19e3779f9;
const P4: u64 = 0x85ebca77c2b2ae63;
const P5: u64 = 0x27d4eb2f165667c5;

@inline
function round(acc: u64, input: u64): u64 {
  return rotl<u64>(acc + input * P2, 31) * P1;
}

@inline
function mergeRound(acc: u64, v: u64): u64 {
  return (acc ^ round(0, v)) * P1 + P4;
}

/** XXH64 of `length` bytes at `data` (little-endian reads, as the reference on x86 and wasm). */
export function xxHash64(data: usize, length: i32, seed: u64): u64 {
  let p = data;
  const end = data + <usize>length;
  let h: u64;
  if (length >= 32) {
    let v1 = seed + P1 + P2;
    let v2 = seed + P2;
    let v3 = seed;
    let v4 = seed - P1;
    const limit = end - 32;
    do {
      v1 = round(v1, load<u64>(p));
      v2 = round(v2, load<u64>(p, 8));
      v3 = round(v3, load<u64>(p, 16));
      v4 = round(v4, load<u64>(p, 24));
      p += 32;
    } while (p <= limit);
    h = rotl<u64>(v1, 1) + rotl<u64>(v2, 7) + rotl<u64>(v3, 12) + rotl<u64>(v4, 18);
    h = mergeRound(h, v1);
    h = mergeRound(h, v2);
    h = mergeRound(h, v3);
    h = mergeRound(h, v4);
  } else {
    h = seed + P5;
  }
  h += <u64>length;
  while (p + 8 <= end) {
    h = rotl<u64>(h ^ round(0, load<u64>(p)), 27) * P1 + P4;
    p += 8;
  }
  if (p + 4 <= end) {
    h = rotl<u64>(h ^ (<u64>load<u32>(p) * P1), 23) * P2 + P3;
    p += 4;
  }
  while (p < end) {
    h = rotl<u64>(h ^ (<u64>load<u8>(p) * P5), 11) * P1;
    p++;
  }
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}

/** XXH64 of `text`'s UTF-8 bytes. */
export function xxHash64Text(text: string, seed: u64): u64 {
  const bytes = String.UTF8.encode(text);
  return xxHash64(changetype<usize>(bytes), bytes.byteLength, seed);
}

export class HashPolicy {
  /** The last `hash` call's result (meaningful when it returned true). */
  value: u64 = 0;

  constructor(readonly keys: string[]) {}

  /** Hashes the keys' values of `metadata` into `value`; false (no hash) when none of them is present. */
  hash(metadata: Metadata): bool {
    let h: u64 = 0;
    let found = false;
    for (let i = 0; i < this.keys.length; i++) {
      const v = metadata.get(unchecked(this.keys[i]));
      if (v !== null) found = true;
      h = xxHash64Text(v !== null ? v : "", h);
    }
    this.value = h;
    return found;
  }
}
