// Requests waiting for their responses on one connection: paired by request id, or by order for
// protocols without ids (Redis). Several requests may carry the same id (Thrift clients that always
// send seqid 0 and pipeline): those pair first in, first out.
import { ActiveRequest } from "./active-request";

/** Shared by every connection that has not needed a table yet; never written. */
const NO_TABLE_BY_ID = new Map<u64, ActiveRequest>();
const NO_QUEUE = new Array<ActiveRequest | null>(0);

export class InFlightRequests {
  /**
   * The request in flight while the connection has never had two with different ids (or, pairing
   * by order, never two at once): a client that waits for each answer never makes a table (an
   * empty map costs about 200 bytes per connection, an array about 100).
   */
  private only: ActiveRequest | null = null;
  private byId: Map<u64, ActiveRequest> = NO_TABLE_BY_ID;
  /** Pairing by order: the requests from `head` on wait; answered slots are emptied, so the collector frees them. */
  private inOrder: Array<ActiveRequest | null> = NO_QUEUE;
  private head: i32 = 0;
  private count: i32 = 0;

  constructor(private pairsByOrder: bool) {}

  get size(): i32 {
    return this.count;
  }

  add(request: ActiveRequest): void {
    this.count++;
    const only = this.only;
    if (this.pairsByOrder) {
      if (this.inOrder === NO_QUEUE) {
        if (only === null) {
          this.only = request;
          return;
        }
        this.only = null;
        this.inOrder = [only];
      }
      this.inOrder.push(request);
      return;
    }
    const id = request.message.requestId;
    if (this.byId === NO_TABLE_BY_ID) {
      if (only === null) {
        this.only = request;
        return;
      }
      if (only.message.requestId == id) {
        appendSameId(only, request);
        return;
      }
      this.only = null;
      this.byId = new Map<u64, ActiveRequest>();
      this.byId.set(only.message.requestId, only);
    }
    if (!this.byId.has(id)) {
      this.byId.set(id, request);
      return;
    }
    appendSameId(this.byId.get(id), request);
  }

  /** The request that `requestId` answers (the oldest one when pairing by order), without removing it; null if none. */
  find(requestId: u64): ActiveRequest | null {
    const only = this.only;
    if (only !== null) return this.pairsByOrder || only.message.requestId == requestId ? only : null;
    if (this.pairsByOrder) return this.head < this.inOrder.length ? unchecked(this.inOrder[this.head]) : null;
    return this.byId.has(requestId) ? this.byId.get(requestId) : null;
  }

  /** Removes what find() returned. */
  remove(request: ActiveRequest): void {
    this.count--;
    if (request === this.only) {
      this.only = request.sameIdNext;
      return;
    }
    if (!this.pairsByOrder) {
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

/** Requests with one id are answered in order: `request` goes to the end of `first`'s line. */
function appendSameId(first: ActiveRequest, request: ActiveRequest): void {
  let last = first;
  while (last.sameIdNext !== null) last = last.sameIdNext!;
  last.sameIdNext = request;
}
