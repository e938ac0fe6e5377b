// The product module entry (build/meta_protocol.wasm). Initial version: the ABI layer with a
// root context whose connections pass every byte through; the MetaProtocol framework takes over here.
import "./abi/abort";
import { registerRootContext } from "./abi/dispatcher";
import { RootContext } from "./abi/context";

export * from "./abi/exports";

registerRootContext((id: u32) => new RootContext(id), "");
