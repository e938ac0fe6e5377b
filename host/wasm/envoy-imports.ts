// Every host function Envoy registers for a proxy-wasm module, with its exact signature
// (proxy-wasm-cpp-host include/proxy-wasm/exports.h: FOR_ALL_HOST_FUNCTIONS,
// FOR_ALL_HOST_FUNCTIONS_ABI_SPECIFIC for ABI 0.2.x, FOR_ALL_WASI_FUNCTIONS). A module importing
// anything else, or any of these with another signature, fails to load in Envoy.
export type ValType = "i32" | "i64";
export interface Signature {
  params: ValType[];
  results: ValType[];
}

const i32 = (n: number): ValType[] => Array(n).fill("i32");
const word = (n: number): Signature => ({ params: i32(n), results: ["i32"] });

export const ENV_FUNCTIONS: Record<string, Signature> = {
  proxy_log: word(3),
  proxy_get_status: word(3),
  proxy_set_property: word(4),
  proxy_get_property: word(4),
  proxy_send_local_response: word(8),
  proxy_get_shared_data: word(5),
  proxy_set_shared_data: word(5),
  proxy_register_shared_queue: word(3),
  proxy_resolve_shared_queue: word(5),
  proxy_dequeue_shared_queue: word(3),
  proxy_enqueue_shared_queue: word(3),
  proxy_get_header_map_value: word(5),
  proxy_add_header_map_value: word(5),
  proxy_replace_header_map_value: word(5),
  proxy_remove_header_map_value: word(3),
  proxy_get_header_map_pairs: word(3),
  proxy_set_header_map_pairs: word(3),
  proxy_get_header_map_size: word(2),
  proxy_get_buffer_status: word(3),
  proxy_get_buffer_bytes: word(5),
  proxy_set_buffer_bytes: word(5),
  proxy_http_call: word(10),
  proxy_grpc_call: word(12),
  proxy_grpc_stream: word(9),
  proxy_grpc_close: word(1),
  proxy_grpc_cancel: word(1),
  proxy_grpc_send: word(4),
  proxy_set_tick_period_milliseconds: word(1),
  proxy_get_current_time_nanoseconds: word(1),
  proxy_define_metric: word(4),
  proxy_increment_metric: { params: ["i32", "i64"], results: ["i32"] },
  proxy_record_metric: { params: ["i32", "i64"], results: ["i32"] },
  proxy_get_metric: word(2),
  proxy_set_effective_context: word(1),
  proxy_done: word(0),
  proxy_call_foreign_function: word(6),
  // ABI-specific (0.2.x names)
  proxy_continue_request: word(0),
  proxy_continue_response: word(0),
  proxy_clear_route_cache: word(0),
  proxy_continue_stream: word(1),
  proxy_close_stream: word(1),
  proxy_get_log_level: word(1),
  // emscripten runtime helpers Envoy also registers
  emscripten_notify_memory_growth: { params: ["i32"], results: [] },
  pthread_equal: word(2),
};

export const WASI_FUNCTIONS: Record<string, Signature> = {
  fd_write: word(4),
  fd_read: word(4),
  fd_seek: { params: ["i32", "i64", "i32", "i32"], results: ["i32"] },
  fd_close: word(1),
  fd_fdstat_get: word(2),
  environ_get: word(2),
  environ_sizes_get: word(2),
  args_get: word(2),
  args_sizes_get: word(2),
  clock_time_get: { params: ["i32", "i64", "i32"], results: ["i32"] },
  random_get: word(2),
  proc_exit: { params: ["i32"], results: [] },
  path_open: { params: ["i32", "i32", "i32", "i32", "i32", "i64", "i64", "i32", "i32"], results: ["i32"] },
  fd_prestat_get: word(2),
  fd_prestat_dir_name: word(3),
};

/** Envoy's registered imports by module name. */
export const ENVOY_IMPORTS: Record<string, Record<string, Signature>> = {
  env: ENV_FUNCTIONS,
  wasi_snapshot_preview1: WASI_FUNCTIONS,
  wasi_unstable: WASI_FUNCTIONS,
};
