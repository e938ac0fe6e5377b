// The compiled form of a pattern: a Thompson NFA as a flat instruction list (Pike VM layout
// without captures). Counted repetitions are expanded, so the size is checked first: a pattern
// whose program would exceed MAX_PROGRAM is refused, naming the repetition that blew it up.
import { Node, NodeKind, UNBOUNDED } from "./ast";
import { CharClass } from "./char-class";

/**
 * Instruction limit. Matching costs O(program x input); Istio raises Envoy's RE2 program size
 * limit (re2.max_program_size.error_level) to 32768, and our instructions are comparable.
 */
export const MAX_PROGRAM: i32 = 32768;

export enum Op {
  /** Consume the code point `arg`. */
  Char,
  /** Consume a code point in `classes[arg]`. */
  Class,
  /** Consume any code point. */
  AnyChar,
  /** Consume any code point but \n. */
  AnyNotNewline,
  /** Continue if an assertion bit in `arg` holds at this position. */
  Assert,
  /** Continue at both `arg` and `arg2`. */
  Split,
  /** Continue at `arg`. */
  Jump,
  Match,
}

export class Program {
  /** Three i32 per instruction: op, arg, arg2 (one array keeps the matcher's loop to one base address). */
  constructor(public code: StaticArray<i32>, public classes: CharClass[]) {}

  get length(): i32 {
    return this.code.length / 3;
  }
}

export class CompileResult {
  constructor(public program: Program | null, public error: string) {}
}

export function compileProgram(root: Node): CompileResult {
  const sizer = new Sizer();
  if (sizer.size(root) + 1 > <f64>MAX_PROGRAM) {
    const at = sizer.offender >= 0 ? sizer.offender : 0;
    return new CompileResult(null, "pattern too large (over " + MAX_PROGRAM.toString() + " instructions) at position " + at.toString());
  }
  const c = new Compiler();
  c.emit(root);
  c.add(Op.Match, 0, 0);
  return new CompileResult(c.finish(), "");
}

/** Program size of a subtree, in f64 so nested counts cannot overflow. */
class Sizer {
  /** Position of the innermost repetition whose expansion exceeds the limit, or -1. */
  offender: i32 = -1;

  size(n: Node): f64 {
    const kind = n.kind;
    if (kind == NodeKind.Empty) return 0;
    if (kind == NodeKind.Concat || kind == NodeKind.Alternate) {
      let total: f64 = kind == NodeKind.Alternate ? 2 * (n.children.length - 1) : 0;
      for (let i = 0; i < n.children.length; i++) total += this.size(n.children[i]);
      return total;
    }
    if (kind == NodeKind.Repeat) {
      const s = this.size(n.children[0]);
      let total: f64;
      if (n.max == UNBOUNDED) total = n.min == 0 ? s + 2 : <f64>n.min * s + 1;
      else total = <f64>n.min * s + <f64>(n.max - n.min) * (s + 1);
      if (total > <f64>MAX_PROGRAM && this.offender < 0) this.offender = n.pos;
      return total;
    }
    return 1;
  }
}

class Compiler {
  ops: i32[] = [];
  args: i32[] = [];
  args2: i32[] = [];
  classes: CharClass[] = [];

  get pc(): i32 {
    return this.ops.length;
  }

  add(op: Op, arg: i32, arg2: i32): i32 {
    const at = this.ops.length;
    this.ops.push(op);
    this.args.push(arg);
    this.args2.push(arg2);
    return at;
  }

  emit(n: Node): void {
    switch (n.kind) {
      case NodeKind.Empty:
        return;
      case NodeKind.Literal:
        this.add(Op.Char, n.value, 0);
        return;
      case NodeKind.Class:
        this.classes.push(n.cls!);
        this.add(Op.Class, this.classes.length - 1, 0);
        return;
      case NodeKind.AnyChar:
        this.add(Op.AnyChar, 0, 0);
        return;
      case NodeKind.AnyNotNewline:
        this.add(Op.AnyNotNewline, 0, 0);
        return;
      case NodeKind.Assert:
        this.add(Op.Assert, n.value, 0);
        return;
      case NodeKind.Concat:
        for (let i = 0; i < n.children.length; i++) this.emit(n.children[i]);
        return;
      case NodeKind.Alternate:
        this.alternate(n.children);
        return;
      case NodeKind.Repeat:
        this.repeat(n.children[0], n.min, n.max);
        return;
    }
  }

  /** split b1, next; b1; jmp end; next: split b2, next2; ... ; bn; end: */
  alternate(branches: Node[]): void {
    const jumps: i32[] = [];
    for (let i = 0; i < branches.length; i++) {
      if (i < branches.length - 1) {
        const split = this.add(Op.Split, this.pc + 1, 0);
        this.emit(branches[i]);
        jumps.push(this.add(Op.Jump, 0, 0));
        this.args2[split] = this.pc;
      } else {
        this.emit(branches[i]);
      }
    }
    for (let i = 0; i < jumps.length; i++) this.args[jumps[i]] = this.pc;
  }

  repeat(child: Node, min: i32, max: i32): void {
    if (max == UNBOUNDED) {
      if (min == 0) {
        // loop: split body, out; body: x; jmp loop; out:
        const loop = this.add(Op.Split, this.pc + 1, 0);
        this.emit(child);
        this.add(Op.Jump, loop, 0);
        this.args2[loop] = this.pc;
        return;
      }
      // min-1 copies, then x+ as: body: x; split body, out
      for (let i = 0; i < min - 1; i++) this.emit(child);
      const body = this.pc;
      this.emit(child);
      this.add(Op.Split, body, this.pc + 1);
      return;
    }
    for (let i = 0; i < min; i++) this.emit(child);
    // Each optional copy: split body, out; body: x; out:
    for (let i = min; i < max; i++) {
      const split = this.add(Op.Split, this.pc + 1, 0);
      this.emit(child);
      this.args2[split] = this.pc;
    }
  }

  finish(): Program {
    const n = this.ops.length;
    const code = new StaticArray<i32>(3 * n);
    for (let i = 0; i < n; i++) {
      code[3 * i] = this.ops[i];
      code[3 * i + 1] = this.args[i];
      code[3 * i + 2] = this.args2[i];
    }
    return new Program(code, this.classes);
  }
}
