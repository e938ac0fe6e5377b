// Garbage collection at the edge of each host callback. With AssemblyScript's minimal runtime
// (what build/meta_protocol.wasm uses) the GC never runs by itself and keeps no shadow stack, which
// makes the per-message code two to three times faster than the incremental runtime's; in exchange
// a collection must run only where no AssemblyScript frame holds an object: after a callback has
// returned to its export, every live object is reachable from a global (the contexts by id).
// It runs when the memory has grown since the last one, or every max(64, open connections)
// callbacks. A collection walks every live object, and most of them belong to the open
// connections, so its cost grows with them; spacing collections by the same number keeps the cost
// per callback flat from one connection to thousands (bench/connection-scaling.ts), while the
// garbage between two collections stays about one callback's worth per connection. Under the
// incremental runtime (which collects by itself) this does nothing.
import { openConnections } from "./dispatcher";

const COLLECT_EVERY = 64;
let callbacks = 0;
let pagesAfterLastCollection: i32 = 0;

/** Called by the exports after their callback returned. */
export function collectAfterCallback(): void {
  if (ASC_RUNTIME != 1) return; // 1: the minimal runtime (std/assembly/shared/runtime.ts)
  const open = openConnections();
  const every = open > COLLECT_EVERY ? open : COLLECT_EVERY;
  if (++callbacks < every && memory.size() <= pagesAfterLastCollection) return;
  __collect();
  callbacks = 0;
  pagesAfterLastCollection = memory.size();
}
