// Test module: imports env.abort, as AssemblyScript does by default. Envoy does not register it.
@external("env", "abort")
declare function abort(message: usize, file: usize, line: u32, column: u32): void;

export function proxy_abi_version_0_2_1(): void {}
export function malloc(size: usize): usize {
  return heap.alloc(size);
}
export function proxy_on_vm_start(id: i32, size: i32): i32 {
  if (size > 1000) abort(0, 0, 0, 0);
  return 1;
}
