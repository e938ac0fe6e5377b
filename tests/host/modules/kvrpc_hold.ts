// Test module: the KV-RPC example's codec and the custom-filter example's allow-list (which can
// hold requests for a wake-up) with the built-in filters, so that a hold in one filter and a
// mutation in a later one (the router's requestMutation) meet on the same request. Imports the
// framework by its package name, as the examples' files do.
import "meta-protocol-wasm/assembly/abi/abort";
import { registerBuiltinFilters, registerCodec, registerFilter, startMetaProtocol } from "meta-protocol-wasm";
import { KvRpcCodecFactory } from "../../../examples/private-protocol/assembly/codec";
import { AllowListFactory } from "../../../examples/custom-filter/assembly/allow-list";

export * from "meta-protocol-wasm/assembly/abi/exports";

registerCodec(new KvRpcCodecFactory());
registerBuiltinFilters();
registerFilter(new AllowListFactory());
startMetaProtocol();
