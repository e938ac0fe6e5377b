// Reads an AssemblyScript module's heap from the host, without any export for it: the module's
// allocator is TLSF (std/assembly/rt/tlsf.ts), whose blocks tile the heap from just after its root
// structure to a zero-size tail block at the end of linear memory, each block starting with a
// 4-byte word of size | FREE | LEFTFREE. A used block of the garbage collector (tcms.ts, the
// minimal runtime) holds an object whose 16-byte header after that word ends with its class id
// (rtId) and size (rtSize). Walking the blocks gives the bytes in use and their split per class.

/** Layout constants of AssemblyScript 0.27's TLSF on wasm32 (tlsf.ts, common.ts). */
const BLOCK_OVERHEAD = 4;
const FREE = 1;
const TAGS_MASK = 3;
const FL_BITS = 23; // 31 - (SL_BITS 4 + AL_BITS 4)
const HL_END = 96 + FL_BITS * 16 * 4; // heads of the free lists end here; the tail pointer follows
const ROOT_SIZE = HL_END + 4;
const RT_ID = 12; // from the block start: mmInfo 4, gcInfo 4, gcInfo2 4, then rtId, rtSize
const RT_SIZE = 16;
const ARRAY_BUFFER_ID = 1; // idof<ArrayBuffer>() in every AssemblyScript module
const TOTAL_OVERHEAD = 20;

export interface ClassUse {
  count: number;
  /** Block bytes, headers included: what the objects take from the heap. */
  bytes: number;
}

export interface HeapUse {
  /** Bytes of used blocks, their 4-byte block words included. */
  usedBytes: number;
  usedBlocks: number;
  freeBytes: number;
  freeBlocks: number;
  /** Used blocks by runtime class id. */
  byClass: Map<number, ClassUse>;
  /** ArrayBuffers by byteLength: arrays, strings' bytes and I/O windows all live in them. */
  arrayBuffers: Map<number, number>;
}

/** The TLSF root: a 16-aligned offset whose tail pointer names the last 4 bytes of memory. */
export function findTlsfRoot(memory: WebAssembly.Memory): number | null {
  const view = new DataView(memory.buffer);
  const tail = memory.buffer.byteLength - BLOCK_OVERHEAD;
  // The root sits right after the static data, well inside the first megabyte for our modules.
  const limit = Math.min(memory.buffer.byteLength - ROOT_SIZE, 1 << 20);
  for (let root = 16; root < limit; root += 16) {
    if (view.getUint32(root + HL_END, true) !== tail) continue;
    if (walk(view, root, tail) !== null) return root;
  }
  return null;
}

/** The heap's use now; null if the blocks do not tile memory from `root` (not a TLSF heap). */
export function walkHeap(memory: WebAssembly.Memory, root: number): HeapUse | null {
  const view = new DataView(memory.buffer);
  const tail = view.getUint32(root + HL_END, true);
  if (tail !== memory.buffer.byteLength - BLOCK_OVERHEAD) return null;
  return walk(view, root, tail);
}

function walk(view: DataView, root: number, tail: number): HeapUse | null {
  const use: HeapUse = { usedBytes: 0, usedBlocks: 0, freeBytes: 0, freeBlocks: 0, byClass: new Map(), arrayBuffers: new Map() };
  let block = ((root + ROOT_SIZE + BLOCK_OVERHEAD + 15) & ~15) - BLOCK_OVERHEAD;
  while (block < tail) {
    const info = view.getUint32(block, true);
    const size = info & ~TAGS_MASK;
    if (size === 0) return null; // only the tail has no size
    const bytes = BLOCK_OVERHEAD + size;
    if (info & FREE) {
      use.freeBytes += bytes;
      use.freeBlocks++;
    } else {
      use.usedBytes += bytes;
      use.usedBlocks++;
      if (size >= TOTAL_OVERHEAD - BLOCK_OVERHEAD) {
        const id = view.getUint32(block + RT_ID, true);
        const c = use.byClass.get(id) ?? { count: 0, bytes: 0 };
        c.count++;
        c.bytes += bytes;
        use.byClass.set(id, c);
        if (id === ARRAY_BUFFER_ID) {
          const length = view.getUint32(block + RT_SIZE, true);
          use.arrayBuffers.set(length, (use.arrayBuffers.get(length) ?? 0) + 1);
        }
      }
    }
    block += bytes;
  }
  return block === tail ? use : null;
}
