// Names for the runtime class ids the heap walk finds. The release module carries no names; the
// debug build's text form names every class in id order (the `br_table` that dispatches
// `~lib/rt/__visit_members` on the class id has one label per class). Ids are only comparable
// within one compilation, so the split by class is measured on the debug module itself, whose
// object layouts are the release module's: its .wasm and .wat come from one compiler run
// (build/meta_protocol.debug.*, or a fresh compile into a temporary directory when absent).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export interface DebugBuild {
  path: string;
  code: Buffer;
  /** Class names by runtime id. */
  classNames: string[];
}

export function classNamesFromWat(wat: string): string[] | null {
  const start = wat.indexOf("(func $~lib/rt/__visit_members");
  if (start < 0) return null;
  const table = wat.indexOf("br_table ", start);
  if (table < 0) return null;
  const line = wat.slice(table + "br_table ".length, wat.indexOf("\n", table));
  const labels = line.trim().split(/ (?=\$)/).map((l) => decodeURIComponent(l.replace(/^\$"?|"$/g, "")));
  return labels.slice(0, -1); // the last label is the default branch, "invalid"
}

function read(wasm: string, wat: string, label: string): DebugBuild | null {
  const classNames = classNamesFromWat(readFileSync(wat, "utf8"));
  return classNames ? { path: label, code: readFileSync(wasm), classNames } : null;
}

export function debugBuild(root: string): DebugBuild | null {
  const wasm = path.join(root, "build/meta_protocol.debug.wasm");
  const wat = path.join(root, "build/meta_protocol.debug.wat");
  if (existsSync(wasm) && existsSync(wat)) return read(wasm, wat, path.relative(root, wasm));
  const dir = mkdtempSync(path.join(tmpdir(), "memory-bench-"));
  try {
    const asc = path.join(root, "node_modules/.bin/asc");
    const [outWasm, outWat] = [path.join(dir, "debug.wasm"), path.join(dir, "debug.wat")];
    execFileSync(asc, ["assembly/index.ts", "--target", "debug", "-o", outWasm, "-t", outWat], { cwd: root, stdio: "ignore" });
    return read(outWasm, outWat, "assembly/ compiled with --target debug");
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
