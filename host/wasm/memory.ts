// Reading and writing guest memory as Envoy's host calls do, with bounds checks that turn a bad
// pointer into INVALID_MEMORY_ACCESS instead of a host crash.
import type { Vm } from "./vm.ts";

export class OutOfBounds extends Error {}

export class GuestMemory {
  // Views of the memory, made again only when it grows (growing replaces the ArrayBuffer).
  private buffer: ArrayBuffer | null = null;
  private bytes = new Uint8Array(0);
  private view = new DataView(new ArrayBuffer(0));

  constructor(private vm: Vm) {}

  private check(ptr: number, size: number): Uint8Array {
    const buffer = this.vm.memory.buffer as ArrayBuffer;
    if (buffer !== this.buffer) {
      this.buffer = buffer;
      this.bytes = new Uint8Array(buffer);
      this.view = new DataView(buffer);
    }
    if (ptr < 0 || size < 0 || ptr + size > this.bytes.length) throw new OutOfBounds();
    return this.bytes;
  }

  /** A copy of the bytes (the module may reuse its memory once the call returns). */
  read(ptr: number, size: number): Buffer {
    const bytes = this.check(ptr >>> 0, size >>> 0);
    return Buffer.from(bytes.subarray(ptr >>> 0, (ptr >>> 0) + (size >>> 0)));
  }

  string(ptr: number, size: number): string {
    return this.read(ptr, size).toString("utf8");
  }

  u32(ptr: number, value: number): void {
    this.check(ptr >>> 0, 4);
    this.view.setUint32(ptr >>> 0, value >>> 0, true);
  }

  u64(ptr: number, value: bigint): void {
    this.check(ptr >>> 0, 8);
    this.view.setBigUint64(ptr >>> 0, value, true);
  }

  /**
   * Copies `data` into memory the module allocates with its own malloc and writes the pointer and
   * size (proxy-wasm-cpp-host copyToPointerSize: nothing is allocated for an empty value).
   */
  give(data: Uint8Array, ptrPtr: number, sizePtr: number): void {
    let ptr = 0;
    if (data.length > 0) {
      const alloc = this.vm.has("malloc") ? "malloc" : "proxy_on_memory_allocate";
      ptr = this.vm.exports[alloc](data.length) >>> 0;
      this.check(ptr, data.length).set(data, ptr);
    }
    this.u32(ptrPtr, ptr);
    this.u32(sizePtr, data.length);
  }
}
