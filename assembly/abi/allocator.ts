// The allocator the host calls: Envoy copies every value it hands to the module (buffer bytes,
// properties, shared data, call results) into memory it gets from the module's `malloc`. That
// copy is the only one: nothing here copies again.
//
// `malloc` returns the body of a fresh GC-managed ArrayBuffer (`__new` with ArrayBuffer's runtime
// id, so its header says ArrayBuffer and its byteLength is `size`) and pins it: with the
// incremental runtime the GC may run steps inside any later allocation, with the minimal one
// (gc.ts) at the end of the callback, and until the wrapper that made the host call picks the
// pointer up, nothing else references the object.
// The wrapper then unpins it (`takeAllocation`) and returns it as an ordinary ArrayBuffer owned by
// the GC. A `heap.alloc` block could not become an ArrayBuffer without a second copy (it has no
// object header) and would need a manual free. Every host call that can allocate goes through a
// wrapper in host.ts that takes its result, so nothing stays pinned.
//
// For small reads into a buffer the caller reuses (host.ts getBufferBytesInto), the wrapper first
// points the allocator at that buffer: the next allocation that fits is served from it, with no
// new object, no zero-filling and no garbage.

let reservedPtr: usize = 0;
let reservedCapacity: usize = 0;

export function malloc(size: usize): usize {
  if (reservedPtr != 0) {
    const ptr = reservedPtr;
    reservedPtr = 0;
    if (size <= reservedCapacity) return ptr;
  }
  return __pin(__new(size, idof<ArrayBuffer>()));
}

/** Serves the next allocation of at most `capacity` bytes from `ptr` (a buffer the caller keeps alive). */
export function reserveAllocation(ptr: usize, capacity: usize): void {
  reservedPtr = ptr;
  reservedCapacity = capacity;
}

/** Drops a reservation the host did not use (it allocates nothing for an empty result). */
export function releaseReservation(): void {
  reservedPtr = 0;
}

/** Turns what `malloc` returned into an ArrayBuffer the GC owns. */
export function takeAllocation(ptr: usize): ArrayBuffer {
  __unpin(ptr);
  return changetype<ArrayBuffer>(ptr);
}
