// Test module: imports proxy_log with a signature Envoy does not register (two parameters).
@external("env", "proxy_log")
declare function proxy_log(level: i32, ptr: usize): i32;

export function proxy_abi_version_0_2_1(): void {}
export function malloc(size: usize): usize {
  return heap.alloc(size);
}
export function proxy_on_vm_start(id: i32, size: i32): i32 {
  return proxy_log(2, 0);
}
