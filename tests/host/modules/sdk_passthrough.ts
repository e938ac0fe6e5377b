// The no-op floor: a module on our ABI layer whose connections pass every byte through untouched,
// with no host call per callback. Benchmarks compare against it; TCP round-trip tests use it.
import "../../../assembly/abi/abort";
import { RootContext } from "../../../assembly/abi/context";
import { registerRootContext } from "../../../assembly/abi/dispatcher";

export * from "../../../assembly/abi/exports";

registerRootContext((id: u32) => new RootContext(id), "");
