// The module: the framework's built-in codecs and filters, plus the allow-list filter.
import "meta-protocol-wasm/assembly/abi/abort";
import { registerBuiltinCodecs, registerBuiltinFilters, registerFilter, startMetaProtocol } from "meta-protocol-wasm";
import { AllowListFactory } from "./allow-list";

export * from "meta-protocol-wasm/assembly/abi/exports";

registerBuiltinCodecs();
registerBuiltinFilters();
registerFilter(new AllowListFactory());
startMetaProtocol();
