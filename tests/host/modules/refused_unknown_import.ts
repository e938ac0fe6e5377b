// Test module: imports env.seed, which AssemblyScript emits for Math.random and Envoy does not
// register. Envoy refuses to load it; so must the local host.
@external("env", "seed")
declare function seed(): f64;

export function proxy_abi_version_0_2_1(): void {}
export function malloc(size: usize): usize {
  return heap.alloc(size);
}
export function proxy_on_vm_start(id: i32, size: i32): i32 {
  return seed() > 0 ? 1 : 0;
}
