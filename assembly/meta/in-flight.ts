// Requests waiting for their responses on one connection: paired by request id, or by order for
// protocols without ids (Redis).
import { ActiveRequest } from "./active-request";

export class InFlightRequests {
  private byId: Map<u64, ActiveRequest> = new Map<u64, ActiveRequest>();
  private inOrder: ActiveRequest[] = [];
  private head: i32 = 0;

  constructor(private pairsByOrder: bool) {}

  get size(): i32 {
    return this.pairsByOrder ? this.inOrder.length - this.head : this.byId.size;
  }

  add(request: ActiveRequest): void {
    if (this.pairsByOrder) this.inOrder.push(request);
    else this.byId.set(request.message.requestId, request);
  }

  /** The request that `requestId` answers (the oldest one when pairing by order), without removing it; null if none. */
  find(requestId: u64): ActiveRequest | null {
    if (this.pairsByOrder) return this.head < this.inOrder.length ? this.inOrder[this.head] : null;
    return this.byId.has(requestId) ? this.byId.get(requestId) : null;
  }

  /** Removes what find() returned. */
  remove(request: ActiveRequest): void {
    if (!this.pairsByOrder) {
      this.byId.delete(request.message.requestId);
      return;
    }
    this.head++;
    // Drop the consumed prefix now and then instead of shifting on every response.
    if (this.head >= 64 && this.head * 2 >= this.inOrder.length) {
      this.inOrder = this.inOrder.slice(this.head);
      this.head = 0;
    }
  }
}
