// A set of code points as sorted, non-overlapping, non-adjacent [lo, hi] ranges. Built while
// parsing (add ranges, fold case, negate), then frozen for matching by binary search.

export const MAX_CODE_POINT: i32 = 0x10ffff;

export class CharClass {
  /** Flat pairs lo0, hi0, lo1, hi1, ... ; normalized by `freeze`. */
  ranges: i32[] = [];

  addRange(lo: i32, hi: i32): CharClass {
    this.ranges.push(lo);
    this.ranges.push(hi);
    return this;
  }

  add(c: i32): CharClass {
    return this.addRange(c, c);
  }

  addClass(other: CharClass): CharClass {
    const r = other.ranges;
    for (let i = 0; i < r.length; i += 2) this.addRange(r[i], r[i + 1]);
    return this;
  }

  /** Adds the other-case ASCII letter of every ASCII letter in the set (RE2 folds Unicode; we fold ASCII). */
  foldAsciiCase(): CharClass {
    const n = this.ranges.length;
    for (let i = 0; i < n; i += 2) {
      const lo = this.ranges[i];
      const hi = this.ranges[i + 1];
      addShifted(this, lo, hi, 0x41, 0x5a, 0x20); // A-Z -> a-z
      addShifted(this, lo, hi, 0x61, 0x7a, -0x20); // a-z -> A-Z
    }
    return this;
  }

  /** Replaces the set by its complement within [0, MAX_CODE_POINT]. */
  negate(): CharClass {
    this.freeze();
    const r = this.ranges;
    const out: i32[] = [];
    let next = 0;
    for (let i = 0; i < r.length; i += 2) {
      if (r[i] > next) {
        out.push(next);
        out.push(r[i] - 1);
      }
      next = r[i + 1] + 1;
    }
    if (next <= MAX_CODE_POINT) {
      out.push(next);
      out.push(MAX_CODE_POINT);
    }
    this.ranges = out;
    return this;
  }

  /** Sorts and merges the ranges; idempotent. */
  freeze(): CharClass {
    const r = this.ranges;
    const count = r.length >> 1;
    // Insertion sort of the pairs by lo: classes are small.
    for (let i = 1; i < count; i++) {
      const lo = r[2 * i];
      const hi = r[2 * i + 1];
      let j = i - 1;
      while (j >= 0 && r[2 * j] > lo) {
        r[2 * j + 2] = r[2 * j];
        r[2 * j + 3] = r[2 * j + 1];
        j--;
      }
      r[2 * j + 2] = lo;
      r[2 * j + 3] = hi;
    }
    const out: i32[] = [];
    for (let i = 0; i < count; i++) {
      const lo = r[2 * i];
      const hi = r[2 * i + 1];
      const last = out.length - 1;
      if (out.length > 0 && lo <= out[last] + 1) {
        if (hi > out[last]) out[last] = hi;
      } else {
        out.push(lo);
        out.push(hi);
      }
    }
    this.ranges = out;
    return this;
  }

  /** Binary search over the frozen ranges. */
  contains(c: i32): bool {
    const r = this.ranges;
    let lo = 0;
    let hi = (r.length >> 1) - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (c < unchecked(r[2 * mid])) hi = mid - 1;
      else if (c > unchecked(r[2 * mid + 1])) lo = mid + 1;
      else return true;
    }
    return false;
  }
}

function addShifted(set: CharClass, lo: i32, hi: i32, from: i32, to: i32, shift: i32): void {
  const a = lo > from ? lo : from;
  const b = hi < to ? hi : to;
  if (a <= b) set.addRange(a + shift, b + shift);
}

export function isWordChar(c: i32): bool {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f;
}

/** The Perl classes RE2 knows, by their escape letter (lower case; upper case is the negation). */
export function perlClass(letter: i32): CharClass | null {
  const set = new CharClass();
  if (letter == 0x64) return set.addRange(0x30, 0x39).freeze(); // \d
  if (letter == 0x73) return set.add(0x09).add(0x0a).add(0x0c).add(0x0d).add(0x20).freeze(); // \s: [\t\n\f\r ]
  if (letter == 0x77) return set.addRange(0x30, 0x39).addRange(0x41, 0x5a).addRange(0x61, 0x7a).add(0x5f).freeze(); // \w
  return null;
}

/** The ASCII POSIX classes `[:name:]` RE2 accepts inside brackets. */
export function posixClass(name: string): CharClass | null {
  const set = new CharClass();
  if (name == "alnum") return set.addRange(0x30, 0x39).addRange(0x41, 0x5a).addRange(0x61, 0x7a);
  if (name == "alpha") return set.addRange(0x41, 0x5a).addRange(0x61, 0x7a);
  if (name == "ascii") return set.addRange(0x00, 0x7f);
  if (name == "blank") return set.add(0x09).add(0x20);
  if (name == "cntrl") return set.addRange(0x00, 0x1f).add(0x7f);
  if (name == "digit") return set.addRange(0x30, 0x39);
  if (name == "graph") return set.addRange(0x21, 0x7e);
  if (name == "lower") return set.addRange(0x61, 0x7a);
  if (name == "print") return set.addRange(0x20, 0x7e);
  if (name == "punct") return set.addRange(0x21, 0x2f).addRange(0x3a, 0x40).addRange(0x5b, 0x60).addRange(0x7b, 0x7e);
  if (name == "space") return set.addRange(0x09, 0x0d).add(0x20);
  if (name == "upper") return set.addRange(0x41, 0x5a);
  if (name == "word") return set.addRange(0x30, 0x39).addRange(0x41, 0x5a).addRange(0x61, 0x7a).add(0x5f);
  if (name == "xdigit") return set.addRange(0x30, 0x39).addRange(0x41, 0x46).addRange(0x61, 0x66);
  return null;
}
