// The product module entry (build/meta_protocol.wasm): the framework with the built-in codecs and
// filters, written exactly as a user's module is (see examples/ and README "Extending").
import "./abi/abort";
import { registerBuiltinCodecs, registerBuiltinFilters, startMetaProtocol } from "./framework";

export * from "./abi/exports";

registerBuiltinCodecs();
registerBuiltinFilters();
startMetaProtocol();
