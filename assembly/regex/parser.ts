// Recursive-descent parser for the RE2 syntax route matches use. Never traps: the first problem
// becomes `error` with the code-unit offset where it was found. Refuses what RE2 refuses
// (backreferences, lookaround, repetition counts above 1000) and what we leave out (\p, \C).
import { Assertion, Node, NodeKind, UNBOUNDED } from "./ast";
import { CharClass, perlClass, posixClass } from "./char-class";

/** RE2's limit on a single repetition count. */
export const MAX_REPEAT: i32 = 1000;
/** Group nesting limit: keeps the parser's and the compiler's recursion within the wasm stack. */
const MAX_DEPTH: i32 = 256;

const FLAG_CASE_I: i32 = 1; // (?i) ASCII case-insensitive
const FLAG_DOT_NL: i32 = 2; // (?s) `.` matches \n
const FLAG_MULTI_LINE: i32 = 4; // (?m) ^ and $ match at line boundaries
const FLAG_UNGREEDY: i32 = 8; // (?U) accepted: greed does not change a boolean match

export class ParseResult {
  constructor(public node: Node | null, public error: string) {}
}

export function parsePattern(pattern: string): ParseResult {
  const p = new Parser(pattern);
  const node = p.parseAlternation();
  if (p.error.length == 0 && !p.atEnd()) p.fail("unexpected )", p.pos);
  if (p.error.length > 0) return new ParseResult(null, p.error);
  return new ParseResult(node, "");
}

class Parser {
  pos: i32 = 0;
  error: string = "";
  flags: i32 = 0;
  depth: i32 = 0;
  /** Set by `escape` when the escape denotes a class rather than one code point. */
  escapeClass: CharClass | null = null;

  constructor(public src: string) {}

  fail(what: string, at: i32): Node | null {
    if (this.error.length == 0) this.error = what + " at position " + at.toString();
    return null;
  }

  atEnd(): bool {
    return this.pos >= this.src.length;
  }

  /** The code point at `at` (surrogate pairs decoded), or -1 past the end. */
  peekAt(at: i32): i32 {
    if (at >= this.src.length) return -1;
    return <i32>this.src.codePointAt(at);
  }

  peek(): i32 {
    return this.peekAt(this.pos);
  }

  next(): i32 {
    const c = this.peek();
    this.pos += c > 0xffff ? 2 : 1;
    return c;
  }

  parseAlternation(): Node | null {
    const start = this.pos;
    const branches: Node[] = [];
    while (true) {
      const branch = this.parseConcat();
      if (branch === null) return null;
      branches.push(branch);
      if (this.peek() != 0x7c) break; // |
      this.pos++;
    }
    return Node.list(NodeKind.Alternate, start, branches);
  }

  parseConcat(): Node | null {
    const start = this.pos;
    const items: Node[] = [];
    while (!this.atEnd()) {
      const c = this.peek();
      if (c == 0x7c || c == 0x29) break; // | )
      const at = this.pos;
      if (c == 0x2a || c == 0x2b || c == 0x3f || (c == 0x7b && this.repeatSpecAt(at))) {
        return this.fail("missing argument to repetition operator", at);
      }
      let atom: Node | null;
      if (c == 0x5c && this.peekAt(at + 1) == 0x51) {
        // \Q...\E: literal text; a following quantifier applies to its last character.
        this.pos += 2;
        const literals = this.quotedLiterals();
        if (literals.length == 0) continue;
        for (let i = 0; i < literals.length - 1; i++) items.push(literals[i]);
        atom = literals[literals.length - 1];
      } else {
        atom = this.parseAtom();
        if (this.error.length > 0) return null;
        if (atom === null) continue; // a flag group such as (?i)
      }
      const repeated = this.parseQuantifier(atom, at);
      if (repeated === null) return null;
      items.push(repeated);
    }
    return Node.list(NodeKind.Concat, start, items);
  }

  quotedLiterals(): Node[] {
    const out: Node[] = [];
    while (!this.atEnd()) {
      if (this.peek() == 0x5c && this.peekAt(this.pos + 1) == 0x45) {
        this.pos += 2;
        break;
      }
      const at = this.pos;
      out.push(this.literal(at, this.next()));
    }
    return out;
  }

  parseQuantifier(atom: Node, atomPos: i32): Node | null {
    const at = this.pos;
    const c = this.peek();
    let min: i32;
    let max: i32;
    if (c == 0x2a) {
      min = 0;
      max = UNBOUNDED;
      this.pos++;
    } else if (c == 0x2b) {
      min = 1;
      max = UNBOUNDED;
      this.pos++;
    } else if (c == 0x3f) {
      min = 0;
      max = 1;
      this.pos++;
    } else if (c == 0x7b && this.repeatSpecAt(at)) {
      this.pos++;
      min = this.number();
      max = min;
      if (this.peek() == 0x2c) {
        this.pos++;
        max = this.peek() == 0x7d ? UNBOUNDED : this.number();
      }
      this.pos++; // }
      if (min > MAX_REPEAT || max > MAX_REPEAT) return this.fail("repetition count above " + MAX_REPEAT.toString(), at);
      if (max != UNBOUNDED && min > max) return this.fail("repetition {n,m} with n > m", at);
    } else {
      return atom;
    }
    if (this.peek() == 0x3f) this.pos++; // lazy: same result for a boolean match
    const after = this.peek();
    if (after == 0x2a || after == 0x2b || after == 0x3f || (after == 0x7b && this.repeatSpecAt(this.pos))) {
      return this.fail("bad repetition operator (repeated quantifier)", this.pos);
    }
    return Node.repeat(atomPos, atom, min, max);
  }

  /** Whether `{n}`, `{n,}` or `{n,m}` starts at `at`; otherwise RE2 reads `{` as a literal. */
  repeatSpecAt(at: i32): bool {
    let i = at + 1;
    const s = this.src;
    const digitsFrom = i;
    while (i < s.length && isDigit(s.charCodeAt(i))) i++;
    if (i == digitsFrom) return false;
    if (i < s.length && s.charCodeAt(i) == 0x2c) {
      i++;
      while (i < s.length && isDigit(s.charCodeAt(i))) i++;
    }
    return i < s.length && s.charCodeAt(i) == 0x7d;
  }

  /** Decimal digits, saturating above MAX_REPEAT so a huge count cannot overflow. */
  number(): i32 {
    let n = 0;
    while (isDigit(this.peek())) {
      n = n * 10 + (this.next() - 0x30);
      if (n > MAX_REPEAT) n = MAX_REPEAT + 1;
    }
    return n;
  }

  /** One atom; null with no error for a flag group that only changes flags. */
  parseAtom(): Node | null {
    const at = this.pos;
    const c = this.next();
    if (c == 0x28) return this.parseGroup(at);
    if (c == 0x5b) return this.parseClass(at);
    if (c == 0x2e) return new Node(this.flags & FLAG_DOT_NL ? NodeKind.AnyChar : NodeKind.AnyNotNewline, at);
    if (c == 0x5e) return Node.assert(at, this.flags & FLAG_MULTI_LINE ? Assertion.BEGIN_LINE : Assertion.BEGIN_TEXT);
    if (c == 0x24) return Node.assert(at, this.flags & FLAG_MULTI_LINE ? Assertion.END_LINE : Assertion.END_TEXT);
    if (c == 0x5c) {
      const e = this.peek();
      if (e == 0x62 || e == 0x42 || e == 0x41 || e == 0x7a) {
        this.pos++;
        if (e == 0x62) return Node.assert(at, Assertion.WORD_BOUNDARY); // \b
        if (e == 0x42) return Node.assert(at, Assertion.NOT_WORD_BOUNDARY); // \B
        if (e == 0x41) return Node.assert(at, Assertion.BEGIN_TEXT); // \A
        return Node.assert(at, Assertion.END_TEXT); // \z
      }
      const cp = this.escape(at, false);
      if (cp == -2) return null;
      if (cp == -1) return this.classNode(at, this.escapeClass!, false);
      return this.literal(at, cp);
    }
    return this.literal(at, c);
  }

  literal(at: i32, c: i32): Node {
    if (this.flags & FLAG_CASE_I && isAsciiLetter(c)) return Node.charClass(at, new CharClass().add(c).foldAsciiCase());
    return Node.literal(at, c);
  }

  classNode(at: i32, cls: CharClass, negated: bool): Node {
    const set = new CharClass().addClass(cls);
    if (this.flags & FLAG_CASE_I) set.foldAsciiCase();
    if (negated) set.negate();
    return Node.charClass(at, set);
  }

  parseGroup(at: i32): Node | null {
    if (this.depth >= MAX_DEPTH) return this.fail("groups nested too deep", at);
    const saved = this.flags;
    if (this.peek() == 0x3f) {
      this.pos++;
      const c = this.peek();
      const c2 = this.peekAt(this.pos + 1);
      if (c == 0x3d || c == 0x21) return this.fail("lookahead (?= (?! not supported by RE2", at);
      if (c == 0x3c && (c2 == 0x3d || c2 == 0x21)) return this.fail("lookbehind (?<= (?<! not supported by RE2", at);
      if (c == 0x50 && c2 == 0x3d) return this.fail("backreference (?P= not supported by RE2", at);
      if (c == 0x3c || (c == 0x50 && c2 == 0x3c)) {
        this.pos += c == 0x50 ? 2 : 1;
        if (!this.groupName()) return this.fail("invalid named capture group", at);
      } else if (!this.flagGroup(at)) {
        return null;
      } else if (this.src.charCodeAt(this.pos - 1) == 0x29) {
        return null; // (?flags) applies to the rest of the enclosing group
      }
    }
    this.depth++;
    const inner = this.parseAlternation();
    this.depth--;
    this.flags = saved;
    if (inner === null) return null;
    if (this.peek() != 0x29) return this.fail("missing )", at);
    this.pos++;
    return inner;
  }

  /** Reads `name>` of a named group; captures are not kept, the name is only validated. */
  groupName(): bool {
    const from = this.pos;
    while (!this.atEnd() && this.peek() != 0x3e) {
      const c = this.next();
      if (!isDigit(c) && !isAsciiLetter(c) && c != 0x5f) return false;
    }
    if (this.atEnd() || this.pos == from) return false;
    this.pos++;
    return true;
  }

  /** Reads `flags)` or `flags:` after `(?`, applying them; false (with an error) if malformed. */
  flagGroup(at: i32): bool {
    let flags = this.flags;
    let negated = false;
    let sawFlag = false;
    while (!this.atEnd()) {
      const c = this.next();
      let bit = 0;
      if (c == 0x69) bit = FLAG_CASE_I;
      else if (c == 0x73) bit = FLAG_DOT_NL;
      else if (c == 0x6d) bit = FLAG_MULTI_LINE;
      else if (c == 0x55) bit = FLAG_UNGREEDY;
      else if (c == 0x2d && !negated) {
        negated = true;
        sawFlag = false;
        continue;
      } else if ((c == 0x3a && (sawFlag || !negated)) || (c == 0x29 && sawFlag)) {
        // `(?:` needs no flag; `(?)`, `(?-)`, `(?i-)` and `(?i-:` are malformed.
        this.flags = flags;
        return true;
      } else break;
      flags = negated ? flags & ~bit : flags | bit;
      sawFlag = true;
    }
    this.fail("invalid or unsupported group syntax (?", at);
    return false;
  }

  parseClass(at: i32): Node | null {
    const set = new CharClass();
    let negated = false;
    if (this.peek() == 0x5e) {
      negated = true;
      this.pos++;
    }
    let first = true;
    while (true) {
      if (this.atEnd()) return this.fail("missing ] in character class", at);
      const itemAt = this.pos;
      if (this.peek() == 0x5d && !first) {
        this.pos++;
        break;
      }
      first = false;
      if (this.peek() == 0x5b && this.peekAt(itemAt + 1) == 0x3a) {
        const posix = this.posixItem(itemAt);
        if (this.error.length > 0) return null;
        if (posix !== null) {
          set.addClass(posix);
          continue;
        }
      }
      const lo = this.classAtom();
      if (lo == -2) return null;
      if (lo == -1) {
        set.addClass(this.escapeClass!);
        continue;
      }
      if (this.peek() == 0x2d && this.peekAt(this.pos + 1) != 0x5d && this.peekAt(this.pos + 1) != -1) {
        this.pos++;
        const hi = this.classAtom();
        if (hi == -2) return null;
        if (hi == -1 || hi < lo) return this.fail("bad character class range", itemAt);
        set.addRange(lo, hi);
      } else {
        set.add(lo);
      }
    }
    return this.classNode(at, set, negated);
  }

  /** `[:name:]` or `[:^name:]`; null (no error) when the text is not of that shape. */
  posixItem(at: i32): CharClass | null {
    const close = this.src.indexOf(":]", at + 2);
    if (close < 0) return null;
    let name = this.src.substring(at + 2, close);
    const negated = name.startsWith("^");
    if (negated) name = name.substring(1);
    const cls = posixClass(name);
    if (cls === null) {
      this.fail("invalid POSIX class [:" + name + ":]", at);
      return null;
    }
    this.pos = close + 2;
    return negated ? cls.negate() : cls;
  }

  /** A code point inside brackets; -1 for a class escape (in `escapeClass`), -2 on error. */
  classAtom(): i32 {
    const at = this.pos;
    const c = this.next();
    if (c != 0x5c) return c;
    return this.escape(at, true);
  }

  /**
   * After a backslash: the code point it denotes, -1 for a Perl class (left in `escapeClass`),
   * or -2 after recording an error.
   */
  escape(at: i32, inClass: bool): i32 {
    if (this.atEnd()) {
      this.fail("trailing \\", at);
      return -2;
    }
    const c = this.next();
    if (c >= 0x30 && c <= 0x37 && (c == 0x30 || isOctal(this.peek()))) {
      // Octal \0, \012, \12 (RE2); a lone \1..\7 is a backreference.
      let v = c - 0x30;
      for (let i = 0; i < 2 && isOctal(this.peek()); i++) v = v * 8 + (this.next() - 0x30);
      return v;
    }
    if (c >= 0x31 && c <= 0x39) {
      this.fail("backreference \\" + String.fromCharCode(c) + " not supported by RE2", at);
      return -2;
    }
    if (c == 0x78) return this.hexEscape(at);
    if (c == 0x61) return 0x07;
    if (c == 0x66) return 0x0c;
    if (c == 0x74) return 0x09;
    if (c == 0x6e) return 0x0a;
    if (c == 0x72) return 0x0d;
    if (c == 0x76) return 0x0b;
    const lower = c | 0x20;
    if (lower == 0x64 || lower == 0x73 || lower == 0x77) {
      const cls = perlClass(lower)!;
      this.escapeClass = c == lower ? cls : new CharClass().addClass(cls).negate();
      return -1;
    }
    if (c == 0x70 || c == 0x50) {
      this.fail("Unicode classes \\p \\P not supported", at);
      return -2;
    }
    if (c < 0x80 && !isDigit(c) && !isAsciiLetter(c)) return c; // escaped punctuation
    this.fail("invalid escape \\" + String.fromCodePoint(c) + (inClass ? " in character class" : ""), at);
    return -2;
  }

  /** `\xFF` or `\x{10FFFF}` after the `x`. */
  hexEscape(at: i32): i32 {
    let v = 0;
    if (this.peek() == 0x7b) {
      this.pos++;
      let digits = 0;
      while (isHex(this.peek())) {
        v = v * 16 + hexValue(this.next());
        if (v > 0x10ffff) break;
        digits++;
      }
      if (digits == 0 || v > 0x10ffff || this.peek() != 0x7d) {
        this.fail("invalid \\x{...} escape", at);
        return -2;
      }
      this.pos++;
      return v;
    }
    for (let i = 0; i < 2; i++) {
      if (!isHex(this.peek())) {
        this.fail("invalid \\x escape (two hex digits or \\x{...})", at);
        return -2;
      }
      v = v * 16 + hexValue(this.next());
    }
    return v;
  }
}

function isDigit(c: i32): bool {
  return c >= 0x30 && c <= 0x39;
}

function isOctal(c: i32): bool {
  return c >= 0x30 && c <= 0x37;
}

function isHex(c: i32): bool {
  return isDigit(c) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

function hexValue(c: i32): i32 {
  return isDigit(c) ? c - 0x30 : (c | 0x20) - 0x61 + 10;
}

function isAsciiLetter(c: i32): bool {
  return (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
}
