// A linear-time regular expression matcher for the RE2 syntax of Envoy's `safe_regex` route
// matches. The pattern compiles to a Thompson NFA (program.ts) that is simulated breadth-first,
// Pike-VM style without captures: every NFA state is visited at most once per input position, so
// a match costs O(program x input) whatever the pattern and the text, and never backtracks.
//
// Text is a UTF-16 AssemblyScript string read as code points: a surrogate pair is one character
// (as RE2 sees one UTF-8 character), a lone surrogate is a character of its own. Case-insensitive
// matching (?i) folds ASCII letters only; \d \w \s \b are ASCII, as in RE2.
//
// The state lists are allocated once per Regex, so matching allocates nothing; a Regex is
// therefore not reentrant (a wasm worker is single-threaded, which is all we need).
import { Assertion } from "./ast";
import { isWordChar } from "./char-class";
import { parsePattern } from "./parser";
import { compileProgram, Op, Program } from "./program";

export class RegexResult {
  constructor(public regex: Regex | null, public error: string) {}
}

/** Compiles an RE2 pattern; a pattern we cannot or must not run is an error naming its position. */
export function compileRegex(pattern: string): RegexResult {
  const parsed = parsePattern(pattern);
  if (parsed.node === null) return new RegexResult(null, parsed.error);
  const compiled = compileProgram(parsed.node!);
  if (compiled.program === null) return new RegexResult(null, compiled.error);
  return new RegexResult(new Regex(pattern, compiled.program!), "");
}

export class Regex {
  private current: StaticArray<i32>;
  private next: StaticArray<i32>;
  /** mark[pc] == generation: pc is already in the list being built. */
  private mark: StaticArray<i32>;
  private stack: StaticArray<i32>;
  private generation: i32 = 0;

  constructor(public pattern: string, public program: Program) {
    const n = program.length;
    this.current = new StaticArray<i32>(n);
    this.next = new StaticArray<i32>(n);
    this.mark = new StaticArray<i32>(n);
    this.stack = new StaticArray<i32>(n);
  }

  /** Whether the whole text matches (RE2::FullMatch, as Envoy's google_re2 matcher). */
  matches(text: string): bool {
    return this.run(text, true);
  }

  /** Whether some substring of the text matches (RE2::PartialMatch). */
  search(text: string): bool {
    return this.run(text, false);
  }

  // The loop works on raw addresses (plain integers): AssemblyScript would otherwise spill every
  // array reference to its shadow stack for the GC on each use. Nothing here allocates, so the
  // arrays, kept alive by `this`, cannot move or be freed meanwhile.
  private run(text: string, full: bool): bool {
    if (this.generation > 0x3fffffff) {
      // A run bumps the generation once per character; strings are shorter than 2^30 units.
      this.mark.fill(0);
      this.generation = 0;
    }
    const code = changetype<usize>(this.program.code);
    const marks = new Marks(changetype<usize>(this.mark), changetype<usize>(this.stack), this.generation + 1);
    let list = changetype<usize>(this.current);
    let other = changetype<usize>(this.next);
    const str = changetype<usize>(text);
    const len = text.length;
    let pos = 0;
    let cur = codePointAt(str, len, 0);
    let count = follow(code, marks, list, 0, 0, context(-1, cur));
    let matched = false;
    while (true) {
      if (count == 0 && full) break;
      const nextPos = pos + (cur > 0xffff ? 2 : 1);
      const after = cur < 0 ? -1 : codePointAt(str, len, nextPos);
      const ctx = context(cur, after);
      marks.generation++;
      let nextCount = 0;
      for (let i = 0; i < count; i++) {
        const pc = load<i32>(list + (<usize>i << 2));
        const at = code + (<usize>(3 * pc) << 2);
        const op = load<i32>(at);
        if (op == Op.Match) {
          if (!full || cur < 0) {
            matched = true;
            break;
          }
          continue;
        }
        if (cur < 0) continue;
        let ok = false;
        if (op == Op.Char) ok = cur == load<i32>(at, 4);
        else if (op == Op.Class) ok = unchecked(this.program.classes[load<i32>(at, 4)]).contains(cur);
        else if (op == Op.AnyChar) ok = true;
        else if (op == Op.AnyNotNewline) ok = cur != 0x0a;
        if (ok) nextCount = follow(code, marks, other, nextCount, pc + 1, ctx);
      }
      if (matched || cur < 0) break;
      if (!full) nextCount = follow(code, marks, other, nextCount, 0, ctx); // a match may start anywhere
      const swap = list;
      list = other;
      other = swap;
      count = nextCount;
      cur = after;
      pos = nextPos;
    }
    this.generation = marks.generation;
    return matched;
  }
}

/** The per-run marking state, unmanaged so that passing it around costs no GC bookkeeping. */
@unmanaged
class Marks {
  constructor(public mark: usize, public stack: usize, public generation: i32) {}
}

/**
 * Adds `start` and every state reachable from it without consuming input (jumps, splits,
 * assertions that hold under `ctx`) to `list`, skipping states already marked in this
 * generation; only consuming states and Match are kept. Returns the new count.
 */
function follow(code: usize, marks: Marks, list: usize, count: i32, start: i32, ctx: i32): i32 {
  const mark = marks.mark;
  const stack = marks.stack;
  const gen = marks.generation;
  if (load<i32>(mark + (<usize>start << 2)) == gen) return count;
  store<i32>(mark + (<usize>start << 2), gen);
  store<i32>(stack, start);
  let top = 1;
  while (top > 0) {
    const pc = load<i32>(stack + (<usize>(--top) << 2));
    const at = code + (<usize>(3 * pc) << 2);
    const op = load<i32>(at);
    let a = -1;
    let b = -1;
    if (op == Op.Jump) a = load<i32>(at, 4);
    else if (op == Op.Split) {
      a = load<i32>(at, 4);
      b = load<i32>(at, 8);
    } else if (op == Op.Assert) {
      if ((load<i32>(at, 4) & ctx) != 0) a = pc + 1;
    } else {
      store<i32>(list + (<usize>(count++) << 2), pc);
    }
    // Marking on push keeps every pc on the stack at most once, so the stack never overflows.
    if (b >= 0 && load<i32>(mark + (<usize>b << 2)) != gen) {
      store<i32>(mark + (<usize>b << 2), gen);
      store<i32>(stack + (<usize>(top++) << 2), b);
    }
    if (a >= 0 && load<i32>(mark + (<usize>a << 2)) != gen) {
      store<i32>(mark + (<usize>a << 2), gen);
      store<i32>(stack + (<usize>(top++) << 2), a);
    }
  }
  return count;
}

/** The code point at `pos` of the UTF-16 text at `str` (a surrogate pair decoded), -1 past the end. */
function codePointAt(str: usize, len: i32, pos: i32): i32 {
  if (pos >= len) return -1;
  const c = <i32>load<u16>(str + (<usize>pos << 1));
  if ((c & 0xfc00) == 0xd800 && pos + 1 < len) {
    const d = <i32>load<u16>(str + (<usize>(pos + 1) << 1));
    if ((d & 0xfc00) == 0xdc00) return ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
  }
  return c;
}

/** The assertions that hold between `before` and `after` (-1 at either end of the text). */
function context(before: i32, after: i32): i32 {
  let bits = 0;
  if (before < 0) bits |= Assertion.BEGIN_TEXT | Assertion.BEGIN_LINE;
  else if (before == 0x0a) bits |= Assertion.BEGIN_LINE;
  if (after < 0) bits |= Assertion.END_TEXT | Assertion.END_LINE;
  else if (after == 0x0a) bits |= Assertion.END_LINE;
  const wordBefore = before >= 0 && isWordChar(before);
  const wordAfter = after >= 0 && isWordChar(after);
  bits |= wordBefore != wordAfter ? Assertion.WORD_BOUNDARY : Assertion.NOT_WORD_BOUNDARY;
  return bits;
}
