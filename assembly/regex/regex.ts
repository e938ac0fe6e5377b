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

  private run(text: string, full: bool): bool {
    if (this.generation > 0x3fffffff) {
      // A run bumps the generation once per character; strings are shorter than 2^30 units.
      this.mark.fill(0);
      this.generation = 0;
    }
    const ops = this.program.ops;
    const args = this.program.args;
    const classes = this.program.classes;
    let pos = 0;
    let cur = codePointAt(text, 0);
    this.generation++;
    let count = this.addThread(this.current, 0, 0, context(-1, cur));
    while (true) {
      if (count == 0 && full) return false;
      const nextPos = pos + (cur > 0xffff ? 2 : 1);
      const after = cur < 0 ? -1 : codePointAt(text, nextPos);
      const ctx = context(cur, after);
      this.generation++;
      let nextCount = 0;
      const list = this.current;
      for (let i = 0; i < count; i++) {
        const pc = unchecked(list[i]);
        const op = unchecked(ops[pc]);
        if (op == Op.Match) {
          if (!full || cur < 0) return true;
          continue;
        }
        if (cur < 0) continue;
        let ok = false;
        if (op == Op.Char) ok = cur == unchecked(args[pc]);
        else if (op == Op.Class) ok = unchecked(classes[unchecked(args[pc])]).contains(cur);
        else if (op == Op.AnyChar) ok = true;
        else if (op == Op.AnyNotNewline) ok = cur != 0x0a;
        if (ok) nextCount = this.addThread(this.next, nextCount, pc + 1, ctx);
      }
      if (cur < 0) return false;
      if (!full) nextCount = this.addThread(this.next, nextCount, 0, ctx); // a match may start anywhere
      const swap = this.current;
      this.current = this.next;
      this.next = swap;
      count = nextCount;
      cur = after;
      pos = nextPos;
    }
  }

  /**
   * Adds `start` and every state reachable from it without consuming input (jumps, splits,
   * assertions that hold under `ctx`) to `list`; only consuming states and Match are kept.
   */
  private addThread(list: StaticArray<i32>, count: i32, start: i32, ctx: i32): i32 {
    const ops = this.program.ops;
    const args = this.program.args;
    const args2 = this.program.args2;
    const mark = this.mark;
    const stack = this.stack;
    const gen = this.generation;
    if (unchecked(mark[start]) == gen) return count;
    unchecked((mark[start] = gen));
    let top = 0;
    unchecked((stack[top++] = start));
    while (top > 0) {
      const pc = unchecked(stack[--top]);
      const op = unchecked(ops[pc]);
      let a = -1;
      let b = -1;
      if (op == Op.Jump) a = unchecked(args[pc]);
      else if (op == Op.Split) {
        a = unchecked(args[pc]);
        b = unchecked(args2[pc]);
      } else if (op == Op.Assert) {
        if ((unchecked(args[pc]) & ctx) != 0) a = pc + 1;
      } else {
        unchecked((list[count++] = pc));
      }
      // Marking on push keeps every pc on the stack at most once, so the stack never overflows.
      if (b >= 0 && unchecked(mark[b]) != gen) {
        unchecked((mark[b] = gen));
        unchecked((stack[top++] = b));
      }
      if (a >= 0 && unchecked(mark[a]) != gen) {
        unchecked((mark[a] = gen));
        unchecked((stack[top++] = a));
      }
    }
    return count;
  }
}

function codePointAt(text: string, pos: i32): i32 {
  if (pos >= text.length) return -1;
  return <i32>text.codePointAt(pos);
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
