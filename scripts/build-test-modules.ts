// Compiles each small purpose-built test module in tests/host/modules/*.ts into
// build/test-modules/<name>.wasm. Modules built on our ABI layer import its abort handler; the
// raw ones (written with bare @external imports to test the host on its own) get abort removed,
// so their only imports are the ones they declare.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";

const root = join(import.meta.dirname, "..");
const sources = join(root, "tests", "host", "modules");
const out = join(root, "build", "test-modules");
mkdirSync(out, { recursive: true });

const asc = join(root, "node_modules", ".bin", "asc");
for (const file of readdirSync(sources).filter((f) => f.endsWith(".ts")).sort()) {
  const source = join(sources, file);
  const text = readFileSync(source, "utf8");
  const asPackage = text.includes('from "meta-protocol-wasm');
  const abort = asPackage ? "abort=~lib/meta-protocol-wasm/assembly/abi/abort/abort" : text.includes("abi/abort") ? "abort=assembly/abi/abort/abort" : "abort=";
  const name = basename(file, ".ts");
  // The examples' files import the framework by its package name, found under tests/assembly/packages.
  const args = [source, "--config", join(sources, "asconfig.json"), "-o", join(out, `${name}.wasm`), "--use", abort, "--path", "tests/assembly/packages"];
  execFileSync(asc, args, {
    cwd: root,
    stdio: "inherit",
  });
}
execFileSync(asc, [join(root, "tests/faults/modules/trap_filter.ts"), "--config", join(root, "tests/faults/modules/asconfig.json"), "-o", join(out, "trap_filter.wasm"), "--use", "abort=~lib/meta-protocol-wasm/assembly/abi/abort/abort", "--path", "tests/assembly/packages"], { cwd: root, stdio: "inherit" }); // tests/faults/trap.test.ts
