// The metadata keys routes and policies match on across protocols (Aeraki's MetaRouter attributes):
// one spelling for every codec, so a route written for one RPC protocol reads the same on another.
// A protocol's own extra keys (attachments, user fields) keep the names they have on the wire.

/** The service a call is for (bRPC service_name, Thrift multiplexed service). */
export const SERVICE = "service";
/** The RPC interface (Dubbo service path; bRPC's service too, for routes written for RPC). */
export const INTERFACE = "interface";
/** The method or command (Redis command, upper-cased). */
export const METHOD = "method";
/** The service version (Dubbo). */
export const VERSION = "version";
/** The service group (a Dubbo attachment). */
export const GROUP = "group";
/** The key a command works on (Redis: the first key). */
export const KEY = "key";
/** The JVM descriptor of a call's parameter types (Dubbo). */
export const PARAMETER_TYPES = "parameter_types";
/** A caller-chosen id for tracing (bRPC log_id). */
export const LOG_ID = "log_id";
/** A caller-chosen request id carried as text (bRPC request_id). */
export const REQUEST_ID = "request_id";
