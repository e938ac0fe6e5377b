// Parses a YAML file into documents, each with the line of every field. js-yaml's `listener`
// reports the start of every node it composes ("open") and the value it built ("close"); those
// events nest like the nodes, so a stack rebuilds the tree of positions: a mapping's children come
// as key, value, key, value..., a sequence's as its items. A field's line is the line of its key
// (or of the item, in a sequence).
import yaml from "js-yaml";
import type { FieldPath, Problem } from "./problem.ts";

interface Frame {
  line: number;
  result: unknown;
  children: Frame[];
}

interface PositionNode {
  line: number;
  keys?: Map<string, PositionNode>;
  items?: PositionNode[];
}

/** One YAML document of a file, and where each of its fields is. */
export interface YamlDocument {
  file: string;
  /** 0-based index of the document in its file. */
  index: number;
  value: unknown;
  /** The 1-based line of the deepest part of `path` that exists in the document. */
  lineOf(path: FieldPath): number;
}

/** The same value may be built by a node and by a wrapper around it (a scalar js-yaml first tried as a key). */
function unwrap(frame: Frame): Frame {
  let f = frame;
  while (f.children.length === 1 && f.children[0].result === f.result) f = f.children[0];
  return f;
}

function positions(frame: Frame): PositionNode {
  const f = unwrap(frame);
  const node: PositionNode = { line: frame.line };
  if (Array.isArray(f.result)) {
    node.items = f.children.map(positions);
  } else if (f.result !== null && typeof f.result === "object") {
    node.keys = new Map();
    for (let i = 0; i + 1 < f.children.length; i += 2) {
      const key = f.children[i];
      const value = positions(f.children[i + 1]);
      value.line = key.line;
      node.keys.set(String(key.result), value);
    }
  }
  return node;
}

function lineFinder(root: PositionNode): (path: FieldPath) => number {
  return (path) => {
    let node = root;
    for (const part of path) {
      const next = typeof part === "number" ? node.items?.[part] : node.keys?.get(part);
      if (!next) break;
      node = next;
    }
    return node.line + 1;
  };
}

/** Parses every document of `text`; a YAML syntax error is a problem with the parser's line. */
export function parseYamlDocuments(file: string, text: string): { documents: YamlDocument[]; problems: Problem[] } {
  const roots: Frame[] = [];
  const stack: Frame[] = [];
  const listener = (event: "open" | "close", state: { line: number; result: unknown }) => {
    if (event === "open") {
      stack.push({ line: state.line, result: undefined, children: [] });
      return;
    }
    const frame = stack.pop();
    if (!frame) return;
    frame.result = state.result;
    (stack.length > 0 ? stack[stack.length - 1].children : roots).push(frame);
  };
  let values: unknown[];
  try {
    values = yaml.loadAll(text, undefined, { filename: file, listener } as yaml.LoadOptions);
  } catch (e) {
    const err = e as yaml.YAMLException;
    const line = err.mark ? err.mark.line + 1 : 0;
    return { documents: [], problems: [{ file, line, field: "", message: `YAML: ${err.reason ?? err.message}`, severity: "error" }] };
  }
  const documents: YamlDocument[] = [];
  values.forEach((value, index) => {
    if (value === null || value === undefined) return; // an empty document (e.g. a trailing `---`)
    const root = roots.find((r) => r.result === value);
    const lineOf = root ? lineFinder(positions(root)) : () => 0;
    documents.push({ file, index, value, lineOf });
  });
  return { documents, problems: [] };
}
