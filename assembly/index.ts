// The product module entry (build/meta_protocol.wasm): the MetaProtocol framework with the
// built-in codecs and filters, answering any root id (Istio sets it to the WasmPlugin's name).
import "./abi/abort";
import { registerRootContext } from "./abi/dispatcher";
import { registerBuiltinCodecs } from "./codecs/index";
import { MetaProtocolRoot } from "./meta/root";

export * from "./abi/exports";

registerBuiltinCodecs();
registerRootContext((id: u32) => new MetaProtocolRoot(id), "");
