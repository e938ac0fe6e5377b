// Requests waiting for their responses on one connection: paired by request id, or by order for
// protocols without ids (Redis). Each entry remembers when the request passed (for the duration
// histogram) and, for a request the framework answered itself, the error reply that must replace
// the upstream's answer to the probe sent in its place.
export class InFlightRequest {
  constructor(public startNanos: u64, public reply: Uint8Array | null) {}
}

export class InFlightRequests {
  private byId: Map<u64, InFlightRequest> = new Map<u64, InFlightRequest>();
  private inOrder: InFlightRequest[] = [];
  private head: i32 = 0;

  constructor(private pairsByOrder: bool) {}

  get size(): i32 {
    return this.pairsByOrder ? this.inOrder.length - this.head : this.byId.size;
  }

  add(requestId: u64, request: InFlightRequest): void {
    if (this.pairsByOrder) this.inOrder.push(request);
    else this.byId.set(requestId, request);
  }

  /** The request `requestId` answers (the oldest one when pairing by order), removed; null if none. */
  take(requestId: u64): InFlightRequest | null {
    if (this.pairsByOrder) {
      if (this.head >= this.inOrder.length) return null;
      const request = this.inOrder[this.head++];
      // Drop the consumed prefix now and then instead of shifting on every response.
      if (this.head >= 64 && this.head * 2 >= this.inOrder.length) {
        this.inOrder = this.inOrder.slice(this.head);
        this.head = 0;
      }
      return request;
    }
    if (!this.byId.has(requestId)) return null;
    const request = this.byId.get(requestId);
    this.byId.delete(requestId);
    return request;
  }

  /** Whether the next response (by order) or the response `requestId` will be replaced by a local reply. */
  peekReply(requestId: u64): Uint8Array | null {
    if (this.pairsByOrder) return this.head < this.inOrder.length ? this.inOrder[this.head].reply : null;
    return this.byId.has(requestId) ? this.byId.get(requestId).reply : null;
  }
}
