// The framework as a library (package.json "ascMain"): everything a user's module needs to add a
// codec or a filter and export a complete network filter. The product module is built from it too
// (assembly/index.ts), so the built-in codecs and filters use nothing a user's cannot.
export { Codec, CodecFactory, DecodeStatus, Direction } from "./meta/codec";
export { FrameInput, MemoryInput } from "./meta/input";
export { ErrorKind, Message, MessageType, ResponseStatus } from "./meta/message";
export { LazyMetadata, Metadata } from "./meta/metadata";
export { GROUP, INTERFACE, KEY, LOG_ID, METHOD, PARAMETER_TYPES, REQUEST_ID, SERVICE, VERSION } from "./meta/metadata-keys";
export { Mutation } from "./meta/mutation";
export {
  FilterConfig, FilterFactory, FilterServices, HeldRequest, MessageAction, MetaFilter, RequestInfo, RequestView, ResponseView,
  UpstreamChoice,
} from "./meta/filter";
export { JsonKind, JsonValue, jsonKindName } from "./meta/json";
export { ConfigErrors } from "./meta/config-errors";
export { findCodec, findFilter, registerCodec, registerFilter } from "./meta/registry";
export { registerBuiltinCodecs } from "./codecs/index";
export { registerBuiltinFilters } from "./filters/index";
export { ConfigFields, parseDurationMillis } from "./meta/config-fields";
export { MetadataMatch } from "./routing/metadata-match";
export { GrpcStatus, LogLevel } from "./abi/types";
export { logDebug, logEnabled, logError, logInfo, logWarn } from "./abi/log";
export { startMetaProtocol } from "./meta/start";
