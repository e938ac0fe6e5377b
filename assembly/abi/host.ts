// The host functions Envoy registers for ABI 0.2.1 that a network filter uses (proxy-wasm-cpp-host
// FOR_ALL_HOST_FUNCTIONS plus continue_stream / close_stream / get_log_level), each raw import
// right above a stateless wrapper. Envoy's signatures: every parameter i32 except the i64 value of
// proxy_increment_metric / proxy_record_metric, every function returns an i32 status.
//
// Wrappers return values: a status the spec documents for normal use becomes a value (NOT_FOUND ->
// null, CAS_MISMATCH -> false, ...); any other status is a bug and traps through abort, which logs
// it at critical level first. Byte inputs are Uint8Array (views need no copy); bytes the host
// returns are the ArrayBuffer its single copy went into (see allocator.ts). Arguments encoded
// here (UTF-8 keys, paths) stay alive while the host runs our malloc: the incremental runtime
// keeps each managed local in the function's shadow-stack frame until the function returns.
// Not declared: HTTP-only calls (headers, local replies, proxy_get_configuration of ABI 0.1.0).
import { reserveAllocation, releaseReservation, takeAllocation } from "./allocator";
import { BufferType, LogLevel, MetricType, Status, StreamType } from "./types";

// Out-parameters: static slots, zeroed before calls that may leave them unwritten (e.g. Envoy
// writes nothing for an empty buffer read).
const OUT = memory.data(16, 8);
const OUT_PTR = OUT; // also the u64 result slot
const OUT_SIZE = OUT + 4;
const OUT_EXTRA = OUT + 8;

const EMPTY = new ArrayBuffer(0);

// @ts-ignore: decorator
@inline function check(status: i32, call: string): void {
  if (status != Status.Ok) unexpected(status, call);
}

function unexpected(status: i32, call: string): void {
  throw new Error(call + " returned unexpected status " + status.toString());
}

/** The bytes the host copied into memory from our malloc, as out-parameters (ptr, size). */
function takeOut(): ArrayBuffer {
  const ptr = load<usize>(OUT_PTR);
  return ptr == 0 ? EMPTY : takeAllocation(ptr);
}

function clearOut(): void {
  store<u64>(OUT, 0);
  store<u64>(OUT + 8, 0);
}

// @ts-ignore: decorator
@inline function ptrOf(bytes: Uint8Array | null): usize {
  return bytes === null ? 0 : bytes.dataStart;
}

// @ts-ignore: decorator
@inline function lengthOf(bytes: Uint8Array | null): usize {
  return bytes === null ? 0 : <usize>bytes.byteLength;
}

function utf8(text: string): ArrayBuffer {
  return String.UTF8.encode(text);
}

// ---- Logging and time ------------------------------------------------------------------------

@external("env", "proxy_log")
declare function proxy_log(level: i32, messageData: usize, messageSize: usize): i32;
export function log(level: LogLevel, message: string): void {
  const text = utf8(message);
  check(proxy_log(level, changetype<usize>(text), text.byteLength), "proxy_log");
}

@external("env", "proxy_get_log_level")
declare function proxy_get_log_level(returnLevel: usize): i32;
/** The level below which Envoy drops messages. */
export function getLogLevel(): LogLevel {
  check(proxy_get_log_level(OUT), "proxy_get_log_level");
  return load<u32>(OUT);
}

@external("env", "proxy_get_current_time_nanoseconds")
declare function proxy_get_current_time_nanoseconds(returnTime: usize): i32;
/** Wall-clock time in nanoseconds since the epoch (Envoy's dispatcher time). */
export function currentTimeNanoseconds(): u64 {
  check(proxy_get_current_time_nanoseconds(OUT), "proxy_get_current_time_nanoseconds");
  return load<u64>(OUT);
}

@external("env", "proxy_set_tick_period_milliseconds")
declare function proxy_set_tick_period_milliseconds(period: u32): i32;
/** Calls the root context's onTick every `milliseconds`; 0 stops the timer. */
export function setTickPeriod(milliseconds: u32): void {
  check(proxy_set_tick_period_milliseconds(milliseconds), "proxy_set_tick_period_milliseconds");
}

// ---- Buffers ---------------------------------------------------------------------------------

@external("env", "proxy_get_buffer_status")
declare function proxy_get_buffer_status(type: i32, returnSize: usize, returnFlags: usize): i32;
/** Bytes in the buffer, or -1 when the buffer does not exist in this callback. */
export function getBufferSize(type: BufferType): i32 {
  const status = proxy_get_buffer_status(type, OUT_SIZE, OUT_EXTRA);
  if (status == Status.NotFound) return -1;
  check(status, "proxy_get_buffer_status");
  return load<i32>(OUT_SIZE);
}

@external("env", "proxy_get_buffer_bytes")
declare function proxy_get_buffer_bytes(type: i32, start: u32, length: u32, returnData: usize, returnSize: usize): i32;
/**
 * Up to `length` bytes from `start` (fewer at the end of the buffer), or null when the buffer
 * does not exist. Outside their callback DOWNSTREAM/UPSTREAM data read as empty.
 */
export function getBufferBytes(type: BufferType, start: u32, length: u32): ArrayBuffer | null {
  clearOut();
  const status = proxy_get_buffer_bytes(type, start, length, OUT_PTR, OUT_SIZE);
  if (status == Status.NotFound) return null;
  check(status, "proxy_get_buffer_bytes");
  return takeOut();
}

/**
 * Like getBufferBytes, but the host copies straight into `into` (which must hold `length` bytes):
 * no allocation, for small windows read over and over. Returns the bytes copied, -1 when the
 * buffer does not exist. Measured in Node with a JS host: 16 bytes ~320 ns vs ~510 ns through
 * getBufferBytes, 1 KiB ~420 vs ~730 ns (the difference: __new, zero-fill, pin/unpin, GC work).
 */
export function getBufferBytesInto(type: BufferType, start: u32, length: u32, into: Uint8Array): i32 {
  if (length > <u32>into.length) unexpected(Status.BadArgument, "getBufferBytesInto");
  clearOut();
  reserveAllocation(into.dataStart, length);
  const status = proxy_get_buffer_bytes(type, start, length, OUT_PTR, OUT_SIZE);
  releaseReservation();
  if (status == Status.NotFound) return -1;
  check(status, "proxy_get_buffer_bytes");
  const ptr = load<usize>(OUT_PTR);
  if (ptr != 0 && ptr != into.dataStart) unexpected(Status.InternalFailure, "getBufferBytesInto");
  return load<i32>(OUT_SIZE);
}

@external("env", "proxy_set_buffer_bytes")
declare function proxy_set_buffer_bytes(type: i32, start: u32, length: u32, data: usize, size: usize): i32;
/**
 * Replaces `length` bytes at `start` with `data`. Envoy: start 0 drains `length` bytes and
 * prepends (length >= size replaces all), start >= size appends. False when the buffer cannot be
 * changed now (no such buffer, outside its callback, or a start in the middle).
 */
export function setBufferBytes(type: BufferType, start: u32, length: u32, data: Uint8Array): bool {
  const status = proxy_set_buffer_bytes(type, start, length, data.dataStart, data.byteLength);
  if (status == Status.BadArgument || status == Status.NotFound) return false;
  check(status, "proxy_set_buffer_bytes");
  return true;
}

// ---- Streams ---------------------------------------------------------------------------------

@external("env", "proxy_continue_stream")
declare function proxy_continue_stream(type: i32): i32;
/** Resumes a paused stream after the current callback returns. False: not supported (Envoy: UPSTREAM). */
export function continueStream(type: StreamType): bool {
  const status = proxy_continue_stream(type);
  if (status == Status.Unimplemented || status == Status.BadArgument) return false;
  check(status, "proxy_continue_stream");
  return true;
}

@external("env", "proxy_close_stream")
declare function proxy_close_stream(type: i32): i32;
/** Closes the connection after the current callback returns (Envoy flushes pending writes). */
export function closeStream(type: StreamType): bool {
  const status = proxy_close_stream(type);
  if (status == Status.BadArgument) return false;
  check(status, "proxy_close_stream");
  return true;
}

// ---- Properties ------------------------------------------------------------------------------

/** A property path: segments joined by NUL, as Envoy splits them. */
function encodePath(path: string[]): ArrayBuffer {
  let size = path.length > 0 ? path.length - 1 : 0;
  for (let i = 0; i < path.length; i++) size += String.UTF8.byteLength(path[i]);
  const out = new ArrayBuffer(size);
  let at = changetype<usize>(out);
  for (let i = 0; i < path.length; i++) {
    if (i > 0) store<u8>(at++, 0);
    const s = path[i];
    at += String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, at);
  }
  return out;
}

@external("env", "proxy_get_property")
declare function proxy_get_property(pathData: usize, pathSize: usize, returnData: usize, returnSize: usize): i32;
/** The property's raw value (strings as bytes, integers as 8 bytes little-endian), null if absent. */
export function getProperty(path: string[]): ArrayBuffer | null {
  const encoded = encodePath(path);
  clearOut();
  const status = proxy_get_property(changetype<usize>(encoded), encoded.byteLength, OUT_PTR, OUT_SIZE);
  if (status == Status.NotFound) return null;
  check(status, "proxy_get_property");
  return takeOut();
}

/** A string property decoded from UTF-8, null if absent. */
export function getPropertyString(path: string[]): string | null {
  const value = getProperty(path);
  return value === null ? null : String.UTF8.decode(value);
}

@external("env", "proxy_set_property")
declare function proxy_set_property(pathData: usize, pathSize: usize, valueData: usize, valueSize: usize): i32;
/** Sets a property (Envoy stores it as filter state under a `wasm.` prefix). False if refused. */
export function setProperty(path: string[], value: Uint8Array): bool {
  const encoded = encodePath(path);
  const status = proxy_set_property(changetype<usize>(encoded), encoded.byteLength, value.dataStart, value.byteLength);
  if (status == Status.NotFound || status == Status.BadArgument) return false;
  check(status, "proxy_set_property");
  return true;
}

// ---- Shared data and queues ------------------------------------------------------------------

export class SharedData {
  constructor(public value: ArrayBuffer, public cas: u32) {}
}

@external("env", "proxy_get_shared_data")
declare function proxy_get_shared_data(keyData: usize, keySize: usize, returnData: usize, returnSize: usize, returnCas: usize): i32;
/** The value under `key` with its compare-and-swap stamp, null if there is none. */
export function getSharedData(key: string): SharedData | null {
  const k = utf8(key);
  clearOut();
  const status = proxy_get_shared_data(changetype<usize>(k), k.byteLength, OUT_PTR, OUT_SIZE, OUT_EXTRA);
  if (status == Status.NotFound) return null;
  check(status, "proxy_get_shared_data");
  const cas = load<u32>(OUT_EXTRA);
  return new SharedData(takeOut(), cas);
}

@external("env", "proxy_set_shared_data")
declare function proxy_set_shared_data(keyData: usize, keySize: usize, valueData: usize, valueSize: usize, cas: u32): i32;
/** Stores `value` under `key`; with a non-zero `cas`, only if nobody wrote since. False: CAS mismatch. */
export function setSharedData(key: string, value: Uint8Array, cas: u32 = 0): bool {
  const k = utf8(key);
  const status = proxy_set_shared_data(changetype<usize>(k), k.byteLength, value.dataStart, value.byteLength, cas);
  if (status == Status.CasMismatch) return false;
  check(status, "proxy_set_shared_data");
  return true;
}

@external("env", "proxy_register_shared_queue")
declare function proxy_register_shared_queue(nameData: usize, nameSize: usize, returnId: usize): i32;
/** Creates (or opens) this VM's queue `name`; its root context gets onQueueReady. */
export function registerSharedQueue(name: string): u32 {
  const n = utf8(name);
  check(proxy_register_shared_queue(changetype<usize>(n), n.byteLength, OUT), "proxy_register_shared_queue");
  return load<u32>(OUT);
}

@external("env", "proxy_resolve_shared_queue")
declare function proxy_resolve_shared_queue(vmIdData: usize, vmIdSize: usize, nameData: usize, nameSize: usize, returnId: usize): i32;
/** The id of an existing queue, 0 if there is none. */
export function resolveSharedQueue(vmId: string, name: string): u32 {
  const v = utf8(vmId);
  const n = utf8(name);
  const status = proxy_resolve_shared_queue(changetype<usize>(v), v.byteLength, changetype<usize>(n), n.byteLength, OUT);
  if (status == Status.NotFound) return 0;
  check(status, "proxy_resolve_shared_queue");
  return load<u32>(OUT);
}

@external("env", "proxy_enqueue_shared_queue")
declare function proxy_enqueue_shared_queue(queueId: u32, valueData: usize, valueSize: usize): i32;
/** False if the queue does not exist. */
export function enqueueSharedQueue(queueId: u32, value: Uint8Array): bool {
  const status = proxy_enqueue_shared_queue(queueId, value.dataStart, value.byteLength);
  if (status == Status.NotFound) return false;
  check(status, "proxy_enqueue_shared_queue");
  return true;
}

@external("env", "proxy_dequeue_shared_queue")
declare function proxy_dequeue_shared_queue(queueId: u32, returnData: usize, returnSize: usize): i32;
/** The oldest item, null if the queue is empty or does not exist. */
export function dequeueSharedQueue(queueId: u32): ArrayBuffer | null {
  clearOut();
  const status = proxy_dequeue_shared_queue(queueId, OUT_PTR, OUT_SIZE);
  if (status == Status.Empty || status == Status.NotFound) return null;
  check(status, "proxy_dequeue_shared_queue");
  return takeOut();
}

// ---- Metrics ---------------------------------------------------------------------------------

@external("env", "proxy_define_metric")
declare function proxy_define_metric(type: i32, nameData: usize, nameSize: usize, returnId: usize): i32;
/** Defines (or finds) a metric; Envoy turns `name` into a stat name with its tags extracted. */
export function defineMetric(type: MetricType, name: string): u32 {
  const n = utf8(name);
  check(proxy_define_metric(type, changetype<usize>(n), n.byteLength, OUT), "proxy_define_metric");
  return load<u32>(OUT);
}

@external("env", "proxy_increment_metric")
declare function proxy_increment_metric(metricId: u32, delta: i64): i32;
export function incrementMetric(metricId: u32, delta: i64): void {
  check(proxy_increment_metric(metricId, delta), "proxy_increment_metric");
}

@external("env", "proxy_record_metric")
declare function proxy_record_metric(metricId: u32, value: u64): i32;
/** Sets a gauge, or records a histogram sample. */
export function recordMetric(metricId: u32, value: u64): void {
  check(proxy_record_metric(metricId, value), "proxy_record_metric");
}

@external("env", "proxy_get_metric")
declare function proxy_get_metric(metricId: u32, returnValue: usize): i32;
export function getMetric(metricId: u32): u64 {
  check(proxy_get_metric(metricId, OUT), "proxy_get_metric");
  return load<u64>(OUT);
}

// ---- gRPC and HTTP callouts (context.ts records which context made them) ---------------------

/** A callout as the host took it: its token, or (token 0) the status it was refused with. */
export class Callout {
  constructor(readonly token: u32, readonly refusal: Status) {}
  get started(): bool {
    return this.token != 0;
  }
}

@external("env", "proxy_grpc_call")
declare function proxy_grpc_call(
  upstreamData: usize, upstreamSize: usize, serviceData: usize, serviceSize: usize,
  methodData: usize, methodSize: usize, metadataData: usize, metadataSize: usize,
  messageData: usize, messageSize: usize, timeoutMilliseconds: u32, returnToken: usize,
): i32;
/**
 * Unary call. `upstream` is a serialized envoy.config.core.v3.GrpcService or a cluster name;
 * `initialMetadata` a serialized map (pairs.ts) or null. A refusal keeps its status (unknown
 * upstream: PARSE_FAILURE, could not send: INTERNAL_FAILURE, bad arguments: BAD_ARGUMENT).
 */
export function grpcCall(
  upstream: Uint8Array, service: string, method: string, initialMetadata: Uint8Array | null,
  message: Uint8Array, timeoutMilliseconds: u32,
): Callout {
  const s = utf8(service);
  const m = utf8(method);
  const status = proxy_grpc_call(
    upstream.dataStart, upstream.byteLength, changetype<usize>(s), s.byteLength, changetype<usize>(m), m.byteLength,
    ptrOf(initialMetadata), lengthOf(initialMetadata), message.dataStart, message.byteLength, timeoutMilliseconds, OUT,
  );
  if (status == Status.ParseFailure || status == Status.InternalFailure || status == Status.BadArgument) return new Callout(0, status);
  check(status, "proxy_grpc_call");
  return new Callout(load<u32>(OUT), Status.Ok);
}

@external("env", "proxy_grpc_stream")
declare function proxy_grpc_stream(
  upstreamData: usize, upstreamSize: usize, serviceData: usize, serviceSize: usize,
  methodData: usize, methodSize: usize, metadataData: usize, metadataSize: usize, returnToken: usize,
): i32;
/** Opens a stream (arguments and refusals as grpcCall). */
export function grpcStream(upstream: Uint8Array, service: string, method: string, initialMetadata: Uint8Array | null): Callout {
  const s = utf8(service);
  const m = utf8(method);
  const status = proxy_grpc_stream(
    upstream.dataStart, upstream.byteLength, changetype<usize>(s), s.byteLength, changetype<usize>(m), m.byteLength,
    ptrOf(initialMetadata), lengthOf(initialMetadata), OUT,
  );
  if (status == Status.ParseFailure || status == Status.InternalFailure || status == Status.BadArgument) return new Callout(0, status);
  check(status, "proxy_grpc_stream");
  return new Callout(load<u32>(OUT), Status.Ok);
}

@external("env", "proxy_grpc_send")
declare function proxy_grpc_send(token: u32, messageData: usize, messageSize: usize, endStream: bool): i32;
/** Sends on a stream; false if the stream is unknown or closed. */
export function grpcSend(token: u32, message: Uint8Array, endStream: bool): bool {
  const status = proxy_grpc_send(token, message.dataStart, message.byteLength, endStream);
  if (status == Status.NotFound || status == Status.BadArgument) return false;
  check(status, "proxy_grpc_send");
  return true;
}

@external("env", "proxy_grpc_cancel")
declare function proxy_grpc_cancel(token: u32): i32;
/** Abandons a call or stream: no more callbacks for it. False if unknown. */
export function grpcCancel(token: u32): bool {
  const status = proxy_grpc_cancel(token);
  if (status == Status.NotFound || status == Status.BadArgument) return false;
  check(status, "proxy_grpc_cancel");
  return true;
}

@external("env", "proxy_grpc_close")
declare function proxy_grpc_close(token: u32): i32;
/** Half-closes a stream (or ends a call). False if unknown. */
export function grpcClose(token: u32): bool {
  const status = proxy_grpc_close(token);
  if (status == Status.NotFound || status == Status.BadArgument) return false;
  check(status, "proxy_grpc_close");
  return true;
}

export class CallStatus {
  constructor(public code: u32, public message: string) {}
}

@external("env", "proxy_get_status")
declare function proxy_get_status(returnCode: usize, returnMessageData: usize, returnMessageSize: usize): i32;
/** In onGrpcClose / onHttpCallResponse: the call's status code and message. */
export function getStatus(): CallStatus {
  clearOut();
  check(proxy_get_status(OUT_EXTRA, OUT_PTR, OUT_SIZE), "proxy_get_status");
  const code = load<u32>(OUT_EXTRA);
  return new CallStatus(code, String.UTF8.decode(takeOut()));
}

@external("env", "proxy_http_call")
declare function proxy_http_call(
  upstreamData: usize, upstreamSize: usize, headersData: usize, headersSize: usize, bodyData: usize, bodySize: usize,
  trailersData: usize, trailersSize: usize, timeoutMilliseconds: u32, returnToken: usize,
): i32;
/**
 * HTTP request to cluster `upstream`; `headers` (serialized, pairs.ts) must carry :method, :path
 * and :authority. A refusal keeps its status (BAD_ARGUMENT, INTERNAL_FAILURE).
 */
export function httpCall(
  upstream: string, headers: Uint8Array, body: Uint8Array | null, trailers: Uint8Array | null, timeoutMilliseconds: u32,
): Callout {
  const u = utf8(upstream);
  const status = proxy_http_call(
    changetype<usize>(u), u.byteLength, headers.dataStart, headers.byteLength, ptrOf(body), lengthOf(body),
    ptrOf(trailers), lengthOf(trailers), timeoutMilliseconds, OUT,
  );
  if (status == Status.BadArgument || status == Status.InternalFailure) return new Callout(0, status);
  check(status, "proxy_http_call");
  return new Callout(load<u32>(OUT), Status.Ok);
}

// ---- Contexts --------------------------------------------------------------------------------

@external("env", "proxy_set_effective_context")
declare function proxy_set_effective_context(contextId: u32): i32;
/** Makes the following host calls act for `contextId` (e.g. a connection, from onTick). False if unknown. */
export function setEffectiveContext(contextId: u32): bool {
  const status = proxy_set_effective_context(contextId);
  if (status == Status.BadArgument) return false;
  check(status, "proxy_set_effective_context");
  return true;
}

@external("env", "proxy_done")
declare function proxy_done(): i32;
/** Finishes a context whose onDone returned false. False if it was not waiting. */
export function done(): bool {
  const status = proxy_done();
  if (status == Status.NotFound) return false;
  check(status, "proxy_done");
  return true;
}

// ---- Foreign functions -----------------------------------------------------------------------

/** A foreign function's own status (its documentation says what each means) and its results. */
export class ForeignCallResult {
  constructor(public status: Status, public results: ArrayBuffer) {}
}

@external("env", "proxy_call_foreign_function")
declare function proxy_call_foreign_function(
  nameData: usize, nameSize: usize, argumentsData: usize, argumentsSize: usize, returnData: usize, returnSize: usize,
): i32;
/** Calls an Envoy foreign function, e.g. "set_envoy_filter_state". */
export function callForeignFunction(name: string, args: Uint8Array): ForeignCallResult {
  const n = utf8(name);
  clearOut();
  const status = proxy_call_foreign_function(changetype<usize>(n), n.byteLength, args.dataStart, args.byteLength, OUT_PTR, OUT_SIZE);
  if (status == Status.InvalidMemoryAccess) unexpected(status, "proxy_call_foreign_function");
  return new ForeignCallResult(status, takeOut());
}
