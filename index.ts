// The AssemblyScript library entry: `import { ... } from "meta-protocol-wasm"` in a user's module
// resolves here (asc 0.27 looks for <package>/index.ts; package.json's ascMain names the same file).
export * from "./assembly/framework";
