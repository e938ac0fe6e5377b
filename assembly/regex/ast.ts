// The parsed form of a pattern: a tree the compiler turns into a program. Flags ((?i), (?s),
// (?m)) are already applied by the parser: a case-insensitive literal is a class, `.` is either
// AnyChar or AnyNotNewline, `^`/`$` carry their text or line meaning.
import { CharClass } from "./char-class";

export enum NodeKind {
  Empty,
  Literal,
  Class,
  AnyChar,
  AnyNotNewline,
  Assert,
  Concat,
  Alternate,
  Repeat,
}

/** Empty-width assertions, as bits: the VM computes the set that holds at each position. */
export namespace Assertion {
  export const BEGIN_TEXT: i32 = 1;
  export const END_TEXT: i32 = 2;
  export const BEGIN_LINE: i32 = 4;
  export const END_LINE: i32 = 8;
  export const WORD_BOUNDARY: i32 = 16;
  export const NOT_WORD_BOUNDARY: i32 = 32;
}

/** `max` of a repetition without upper bound. */
export const UNBOUNDED: i32 = -1;

export class Node {
  /** Literal code point, or the assertion bit. */
  value: i32 = 0;
  cls: CharClass | null = null;
  children: Node[] = [];
  min: i32 = 0;
  max: i32 = 0;

  constructor(public kind: NodeKind, public pos: i32) {}

  static empty(pos: i32): Node {
    return new Node(NodeKind.Empty, pos);
  }

  static literal(pos: i32, c: i32): Node {
    const n = new Node(NodeKind.Literal, pos);
    n.value = c;
    return n;
  }

  static charClass(pos: i32, cls: CharClass): Node {
    const n = new Node(NodeKind.Class, pos);
    n.cls = cls.freeze();
    return n;
  }

  static assert(pos: i32, bit: i32): Node {
    const n = new Node(NodeKind.Assert, pos);
    n.value = bit;
    return n;
  }

  static list(kind: NodeKind, pos: i32, children: Node[]): Node {
    if (children.length == 0) return Node.empty(pos);
    if (children.length == 1) return children[0];
    const n = new Node(kind, pos);
    n.children = children;
    return n;
  }

  static repeat(pos: i32, child: Node, min: i32, max: i32): Node {
    const n = new Node(NodeKind.Repeat, pos);
    n.children = [child];
    n.min = min;
    n.max = max;
    return n;
  }
}
