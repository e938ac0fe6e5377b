// The host functions a module imports, implemented as Envoy implements them for a network filter
// (proxy-wasm-cpp-host src/exports.cc; Envoy source/extensions/common/wasm/context.cc). Every
// entry of envoy-imports.ts is registered; what a network filter cannot use answers as Envoy does.
import type { ByteBuffer } from "../network/buffer.ts";
import { ENVOY_IMPORTS } from "./envoy-imports.ts";
import { callForeignFunction } from "./foreign.ts";
import { GrpcCallouts } from "./grpc.ts";
import { GuestMemory, OutOfBounds } from "./memory.ts";
import { Metrics } from "./metrics.ts";
import { getProperty, setProperty } from "./properties.ts";
import { BufferType, LogLevel, Status, StreamType } from "./types.ts";
import type { Vm } from "./vm.ts";

type HostFn = (...args: any[]) => number | void;

/** A bytes source for get/set_buffer_bytes: Envoy's Buffer wrapper over one of its buffers. */
interface HostBuffer {
  size(): number;
  copyOut(start: number, length: number): Uint8Array;
  /** start 0: drain `length`, prepend; start >= size: append; else BAD_ARGUMENT. */
  copyFrom(start: number, length: number, data: Uint8Array): Status;
}

/** The wall clock in nanoseconds (Envoy's system time; millisecond precision here), made once per millisecond. */
let clockMillis = -1;
let clockNanos = 0n;
function wallClockNanos(): bigint {
  const now = Date.now();
  if (now !== clockMillis) {
    clockMillis = now;
    clockNanos = BigInt(now) * 1_000_000n;
  }
  return clockNanos;
}

/** A buffer the module can only read (configurations, gRPC messages). */
class ConstantBuffer implements HostBuffer {
  constructor(private bytes: Uint8Array) {}
  size(): number {
    return this.bytes.length;
  }
  copyOut(start: number, length: number): Uint8Array {
    return this.bytes.subarray(start, start + length);
  }
  copyFrom(): Status {
    return Status.BadArgument;
  }
}

const EMPTY_MUTABLE = new ConstantBuffer(new Uint8Array(0));

/** A connection's data buffer, edited as Envoy allows: drain and prepend at 0, or append. */
class MutableBuffer implements HostBuffer {
  constructor(private b: ByteBuffer) {}
  size(): number {
    return this.b.length;
  }
  copyOut(start: number, length: number): Uint8Array {
    return this.b.copyOut(start, length);
  }
  copyFrom(start: number, length: number, data: Uint8Array): Status {
    const b = this.b;
    if (start === 0) {
      if (length !== 0) b.drain(length);
      b.prepend(Buffer.from(data));
      return Status.Ok;
    }
    if (start >= b.length) {
      b.add(Buffer.from(data));
      return Status.Ok;
    }
    return Status.BadArgument;
  }
}

export function createImports(vm: Vm): WebAssembly.Imports {
  const mem = new GuestMemory(vm);
  const metrics = new Metrics(vm.services.stats);
  const grpc = new GrpcCallouts(vm);
  vm.callouts = grpc;
  const conn = () => vm.connections.get(vm.effectiveContextId);
  /** Bytes the current proxy_get_buffer_bytes copied in, for services.onHostCall. */
  let bytesIn = 0;

  /** Envoy's getBuffer: null means NOT_FOUND. Network data outside its callback is empty. */
  const buffer = (type: number): HostBuffer | null => {
    switch (type) {
      case BufferType.DownstreamData: {
        const b = conn()?.downstream;
        return b ? new MutableBuffer(b) : EMPTY_MUTABLE;
      }
      case BufferType.UpstreamData: {
        const b = conn()?.upstream;
        return b ? new MutableBuffer(b) : EMPTY_MUTABLE;
      }
      case BufferType.VmConfiguration:
        return new ConstantBuffer(vm.spec.vmConfiguration);
      case BufferType.PluginConfiguration:
        return vm.pluginConfiguration ? new ConstantBuffer(vm.pluginConfiguration) : null;
      case BufferType.GrpcReceiveBuffer:
        return vm.grpcReceiveBuffer ? new ConstantBuffer(vm.grpcReceiveBuffer) : null;
      default:
        return null;
    }
  };

  const env: Record<string, HostFn> = {
    proxy_log(level, ptr, size) {
      const min = vm.services.logLevel ?? LogLevel.Info;
      if (level < 0 || level > LogLevel.Critical) return Status.BadArgument;
      if (level >= min) vm.services.log(level, `wasm log ${vm.spec.name} ${vm.spec.rootId} ${vm.spec.vmId}: ${mem.string(ptr, size)}`);
      return Status.Ok;
    },
    proxy_get_log_level(ptr) {
      mem.u32(ptr, vm.services.logLevel ?? LogLevel.Info);
      return Status.Ok;
    },
    proxy_get_status(codePtr, msgPtrPtr, msgSizePtr) {
      mem.u32(codePtr, vm.grpcStatus.code);
      mem.give(Buffer.from(vm.grpcStatus.message), msgPtrPtr, msgSizePtr);
      return Status.Ok;
    },
    proxy_get_current_time_nanoseconds(ptr) {
      mem.u64(ptr, wallClockNanos());
      return Status.Ok;
    },
    proxy_set_tick_period_milliseconds(period) {
      vm.setTickPeriod(period >>> 0);
      return Status.Ok;
    },
    proxy_get_property(pathPtr, pathSize, valuePtrPtr, valueSizePtr) {
      const value = getProperty(vm, vm.effectiveContextId, mem.string(pathPtr, pathSize));
      if (value === undefined) return Status.NotFound;
      mem.give(value, valuePtrPtr, valueSizePtr);
      return Status.Ok;
    },
    proxy_set_property(pathPtr, pathSize, valuePtr, valueSize) {
      const ok = setProperty(vm, vm.effectiveContextId, mem.string(pathPtr, pathSize), mem.read(valuePtr, valueSize));
      return ok ? Status.Ok : Status.NotFound;
    },
    proxy_get_buffer_status(type, lengthPtr, flagsPtr) {
      const b = buffer(type);
      if (!b) return Status.NotFound;
      mem.u32(lengthPtr, b.size());
      mem.u32(flagsPtr, 0);
      return Status.Ok;
    },
    proxy_get_buffer_bytes(type, start, length, ptrPtr, sizePtr) {
      const b = buffer(type);
      if (!b) return Status.NotFound;
      start >>>= 0;
      length >>>= 0;
      if (start + length > 0xffffffff) return Status.BadArgument;
      if (start + length > b.size()) length = Math.max(0, b.size() - start);
      if (length > 0) mem.give(b.copyOut(start, length), ptrPtr, sizePtr);
      bytesIn = length;
      return Status.Ok;
    },
    proxy_set_buffer_bytes(type, start, length, dataPtr, dataSize) {
      const b = buffer(type);
      if (!b) return Status.NotFound;
      return b.copyFrom(start >>> 0, length >>> 0, mem.read(dataPtr, dataSize));
    },
    proxy_continue_stream(type) {
      const c = conn();
      if (type === StreamType.Upstream) return Status.Unimplemented;
      if (type !== StreamType.Downstream) return Status.BadArgument;
      if (c) vm.defer(() => c.callbacks.continueReading());
      return Status.Ok;
    },
    proxy_close_stream(type) {
      const c = conn();
      if (type !== StreamType.Downstream && type !== StreamType.Upstream) return Status.BadArgument;
      if (c) vm.defer(() => c.callbacks.closeConnection());
      return Status.Ok;
    },
    proxy_define_metric(type, namePtr, nameSize, idPtr) {
      const id = metrics.define(type, mem.string(namePtr, nameSize));
      if (id === undefined) return Status.BadArgument;
      mem.u32(idPtr, id);
      return Status.Ok;
    },
    proxy_increment_metric: (id, offset: bigint) => metrics.increment(id, Number(offset)),
    proxy_record_metric: (id, value: bigint) => metrics.record(id, Number(value)),
    proxy_get_metric(id, resultPtr) {
      const v = metrics.get(id);
      if (v === undefined) return Status.BadArgument;
      mem.u64(resultPtr, BigInt(v));
      return Status.Ok;
    },
    proxy_get_shared_data(keyPtr, keySize, valuePtrPtr, valueSizePtr, casPtr) {
      const entry = vm.services.sharedData.get(vm.spec.vmId, mem.string(keyPtr, keySize));
      if (!entry) return Status.NotFound;
      mem.give(entry.value, valuePtrPtr, valueSizePtr);
      mem.u32(casPtr, entry.cas);
      return Status.Ok;
    },
    proxy_set_shared_data(keyPtr, keySize, valuePtr, valueSize, cas) {
      const ok = vm.services.sharedData.set(vm.spec.vmId, mem.string(keyPtr, keySize), mem.read(valuePtr, valueSize), cas >>> 0);
      return ok ? Status.Ok : Status.CasMismatch;
    },
    proxy_set_effective_context(id) {
      if (id !== vm.rootContextId && !vm.connections.has(id)) return Status.BadArgument;
      vm.effectiveContextId = id;
      return Status.Ok;
    },
    proxy_done: () => Status.Ok,
    proxy_call_foreign_function(namePtr, nameSize, argPtr, argSize) {
      return callForeignFunction(mem.string(namePtr, nameSize), mem.read(argPtr, argSize), conn()?.callbacks);
    },
    proxy_grpc_call(svcPtr, svcSize, namePtr, nameSize, methodPtr, methodSize, mdPtr, mdSize, reqPtr, reqSize, timeout, tokenPtr) {
      const r = grpc.call(mem.read(svcPtr, svcSize), mem.string(namePtr, nameSize), mem.string(methodPtr, methodSize), mem.read(mdPtr, mdSize), mem.read(reqPtr, reqSize), timeout >>> 0);
      if (r.status === Status.Ok) mem.u32(tokenPtr, r.token);
      return r.status;
    },
    proxy_grpc_stream(svcPtr, svcSize, namePtr, nameSize, methodPtr, methodSize, mdPtr, mdSize, tokenPtr) {
      const r = grpc.stream(mem.read(svcPtr, svcSize), mem.string(namePtr, nameSize), mem.string(methodPtr, methodSize), mem.read(mdPtr, mdSize));
      if (r.status === Status.Ok) mem.u32(tokenPtr, r.token);
      return r.status;
    },
    proxy_grpc_send: (token, ptr, size, end) => grpc.send(token >>> 0, mem.read(ptr, size), end !== 0),
    proxy_grpc_close: (token) => grpc.closeCallout(token >>> 0),
    proxy_grpc_cancel: (token) => grpc.cancel(token >>> 0),
  };

  // What a network filter in Envoy has no use for, answered as Envoy answers it there: no HTTP
  // stream, so header maps are NOT_FOUND and HTTP-only actions BAD_ARGUMENT / UNIMPLEMENTED.
  const notFound = () => Status.NotFound;
  for (const name of ["proxy_get_header_map_value", "proxy_add_header_map_value", "proxy_replace_header_map_value", "proxy_remove_header_map_value", "proxy_get_header_map_pairs", "proxy_set_header_map_pairs", "proxy_get_header_map_size", "proxy_register_shared_queue", "proxy_resolve_shared_queue", "proxy_dequeue_shared_queue", "proxy_enqueue_shared_queue"]) {
    env[name] = notFound;
  }
  env.proxy_send_local_response = () => Status.BadArgument;
  env.proxy_continue_request = () => Status.BadArgument;
  env.proxy_continue_response = () => Status.BadArgument;
  env.proxy_clear_route_cache = () => Status.BadArgument;
  env.proxy_http_call = () => Status.Unimplemented;
  env.emscripten_notify_memory_growth = () => {};
  env.pthread_equal = (a, b) => (a === b ? 1 : 0);

  const onHostCall = vm.services.onHostCall;
  const guarded = (fns: Record<string, HostFn>) =>
    Object.fromEntries(
      Object.entries(fns).map(([name, fn]) => [
        name,
        (...args: any[]) => {
          try {
            return fn(...args);
          } catch (e) {
            if (e instanceof OutOfBounds) return Status.InvalidMemoryAccess;
            throw e;
          } finally {
            if (onHostCall) {
              onHostCall(name, bytesIn);
              bytesIn = 0;
            }
          }
        },
      ]),
    );

  const wasi = wasiFunctions(vm, mem);
  for (const name of Object.keys(ENVOY_IMPORTS.env)) if (!env[name]) throw new Error(`host function ${name} not implemented`);
  return { env: guarded(env), wasi_snapshot_preview1: guarded(wasi), wasi_unstable: guarded(wasi) };
}

/** Envoy's WASI stubs: stdout/stderr become logs, the clock and randomness work, the rest is refused. */
function wasiFunctions(vm: Vm, mem: GuestMemory): Record<string, HostFn> {
  const EBADF = 8;
  const ENOTSUP = 58;
  const view = () => new DataView(vm.memory.buffer);
  return {
    fd_write(fd, iovs, count, writtenPtr) {
      if (fd !== 1 && fd !== 2) return EBADF;
      let text = "";
      for (let i = 0; i < count; i++) {
        const ptr = view().getUint32(iovs + i * 8, true);
        const len = view().getUint32(iovs + i * 8 + 4, true);
        text += mem.string(ptr, len);
      }
      mem.u32(writtenPtr, Buffer.byteLength(text));
      vm.services.log(fd === 1 ? LogLevel.Info : LogLevel.Error, `wasm log ${vm.spec.name}: ${text.replace(/\n$/, "")}`);
      return 0;
    },
    fd_read: () => EBADF,
    fd_seek: () => EBADF,
    fd_close: () => EBADF,
    fd_fdstat_get: () => EBADF,
    fd_prestat_get: () => EBADF,
    fd_prestat_dir_name: () => EBADF,
    path_open: () => ENOTSUP,
    environ_get: () => 0,
    environ_sizes_get(countPtr, sizePtr) {
      mem.u32(countPtr, 0);
      mem.u32(sizePtr, 0);
      return 0;
    },
    args_get: () => 0,
    args_sizes_get(countPtr, sizePtr) {
      mem.u32(countPtr, 0);
      mem.u32(sizePtr, 0);
      return 0;
    },
    clock_time_get(id, _precision, timePtr) {
      mem.u64(timePtr, id === 0 ? BigInt(Date.now()) * 1_000_000n : process.hrtime.bigint());
      return 0;
    },
    random_get(ptr, len) {
      const bytes = crypto.getRandomValues(new Uint8Array(len));
      new Uint8Array(vm.memory.buffer).set(bytes, ptr);
      return 0;
    },
    proc_exit(code) {
      vm.services.log(LogLevel.Warn, `wasm log ${vm.spec.name}: proc_exit(${code}) ignored`);
    },
  };
}
