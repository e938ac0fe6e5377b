// Requests waiting for their responses on one connection: paired by request id, or by order for
// protocols without ids (Redis). Several requests may carry the same id (Thrift clients that always
// send seqid 0 and pipeline): those pair first in, first out.
import { ActiveRequest } from "./active-request";

/** Shared by every connection that does not use it; never written. */
const EMPTY_BY_ID = new Map<u64, ActiveRequest>();
const EMPTY_IN_ORDER = new Array<ActiveRequest | null>(0);

export class InFlightRequests {
  /** Only the table the codec's pairing uses is made (each empty one costs about 100 bytes per connection). */
  private byId: Map<u64, ActiveRequest>;
  /** Pairing by order: the requests from `head` on wait; answered slots are emptied, so the collector frees them. */
  private inOrder: Array<ActiveRequest | null>;
  private head: i32 = 0;

  constructor(private pairsByOrder: bool) {
    this.byId = pairsByOrder ? EMPTY_BY_ID : new Map<u64, ActiveRequest>();
    this.inOrder = pairsByOrder ? [] : EMPTY_IN_ORDER;
  }

  private count: i32 = 0;

  get size(): i32 {
    return this.pairsByOrder ? this.inOrder.length - this.head : this.count;
  }

  add(request: ActiveRequest): void {
    if (this.pairsByOrder) {
      this.inOrder.push(request);
      return;
    }
    this.count++;
    const id = request.message.requestId;
    if (!this.byId.has(id)) {
      this.byId.set(id, request);
      return;
    }
    let last = this.byId.get(id);
    while (last.sameIdNext !== null) last = last.sameIdNext!;
    last.sameIdNext = request;
  }

  /** The request that `requestId` answers (the oldest one when pairing by order), without removing it; null if none. */
  find(requestId: u64): ActiveRequest | null {
    if (this.pairsByOrder) return this.head < this.inOrder.length ? unchecked(this.inOrder[this.head]) : null;
    return this.byId.has(requestId) ? this.byId.get(requestId) : null;
  }

  /** Removes what find() returned. */
  remove(request: ActiveRequest): void {
    if (!this.pairsByOrder) {
      this.count--;
      const next = request.sameIdNext;
      if (next === null) this.byId.delete(request.message.requestId);
      else this.byId.set(request.message.requestId, next);
      return;
    }
    unchecked((this.inOrder[this.head] = null));
    this.head++;
    // Drop the consumed prefix now and then instead of shifting on every response.
    if (this.head >= 64 && this.head * 2 >= this.inOrder.length) {
      this.inOrder = this.inOrder.slice(this.head);
      this.head = 0;
    }
  }
}
