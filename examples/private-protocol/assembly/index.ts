// The module: the framework with the KV-RPC codec, plus the built-in filters (router, rate limit).
import "meta-protocol-wasm/assembly/abi/abort";
import { registerBuiltinFilters, registerCodec, startMetaProtocol } from "meta-protocol-wasm";
import { KvRpcCodecFactory } from "./codec";

export * from "meta-protocol-wasm/assembly/abi/exports";

registerCodec(new KvRpcCodecFactory());
registerBuiltinFilters();
startMetaProtocol();
