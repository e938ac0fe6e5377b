// Test module: a network filter without the ABI version marker export. Envoy refuses it.
export function malloc(size: usize): usize {
  return heap.alloc(size);
}
export function proxy_on_vm_start(id: i32, size: i32): i32 {
  return 1;
}
