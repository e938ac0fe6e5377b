// One request from decode to response (or local reply): its message and metadata, its mutation,
// its place in the client's stream, its state, its start time, and its route and cluster once
// chosen. The filter chain runs on it; its bytes are decided when it is released; it stays in the
// in-flight table until answered, so response filters and metrics see the request they answer.
import { HeldRequest, MessageAction, RequestView } from "./filter";
import { ErrorKind, Message, MessageType } from "./message";
import { Mutation } from "./mutation";

export enum RequestState {
  /** The chain is running on it. */
  Decoding = 0,
  /** A filter paused it; its bytes wait in Envoy's buffer. */
  Held = 1,
  /** Every filter let it pass; its bytes go on (re-encoded if it has a mutation). */
  Decided = 2,
  /** A filter answered it; the codec's probe goes in its place, the error reply comes back. */
  Replied = 3,
}

/** Where a request that was held goes once a filter releases it (the connection manager). */
export abstract class RequestOwner {
  abstract resume(request: ActiveRequest): void;
  abstract replyLater(request: ActiveRequest, kind: ErrorKind, detail: string): void;
}

class Held extends HeldRequest {
  constructor(private active: ActiveRequest) {
    super();
  }
  get request(): RequestView {
    return this.active;
  }
  resume(): void {
    if (this.active.state == RequestState.Held) this.active.owner!.resume(this.active);
  }
  reply(kind: ErrorKind, detail: string): void {
    if (this.active.state == RequestState.Held) this.active.owner!.replyLater(this.active, kind, detail);
  }
}

const NO_MUTATION = new Mutation();

/**
 * Answered requests kept for reuse by any connection of the VM: a request is several objects
 * (itself, its message, metadata and their arrays), and reusing them keeps the garbage between
 * collections, and so the heap the module touches, small. Bounded, so that a burst of requests in
 * flight does not stay allocated.
 */
const pool: ActiveRequest[] = [];
const POOL_LIMIT: i32 = 256;

/** A request object for `owner`'s next frame: a reused one when there is one. */
export function takeRequest(owner: RequestOwner): ActiveRequest {
  if (pool.length == 0) return new ActiveRequest(owner);
  const r = pool.pop();
  r.owner = owner;
  return r;
}

export class ActiveRequest extends RequestView {
  private decoded: Message = new Message();
  state: RequestState = RequestState.Decoding;
  /** Logical position of its frame in the client's stream while its bytes are still buffered. */
  offset: i32 = 0;
  /** The filter that paused it: the chain resumes after it. */
  filterIndex: i32 = 0;
  private kind: ErrorKind = ErrorKind.Unspecified;
  private detail: string = "";
  /** The protocol's error reply that takes the place of the upstream's answer to the probe. */
  localReply: Uint8Array | null = null;
  /** The next request whose bytes wait in the paused client buffer (the connection's list, in stream order). */
  nextBuffered: ActiveRequest | null = null;
  /** The next request in flight with the same id (they are answered in order). */
  sameIdNext: ActiveRequest | null = null;
  private route: string = "";
  private clusterName: string = "";
  private started: u64 = 0;
  private written: Mutation | null = null;
  private writtenBack: Mutation | null = null;
  private handle: Held | null = null;

  /** The connection it belongs to; null while pooled (a pooled request must not keep a closed connection alive). */
  owner: RequestOwner | null;

  constructor(owner: RequestOwner) {
    super();
    this.owner = owner;
  }

  /**
   * Its answer has passed every filter, so nothing should hold it any more (RequestInfo is valid
   * until then): it goes back to the pool. One whose hold() handle went out is left to the
   * collector, since a filter may still hold that handle.
   */
  recycle(): void {
    if (this.handle !== null || pool.length >= POOL_LIMIT) return;
    this.decoded.reset();
    this.state = RequestState.Decoding;
    this.offset = 0;
    this.filterIndex = 0;
    this.kind = ErrorKind.Unspecified;
    this.detail = "";
    this.localReply = null;
    this.nextBuffered = null;
    this.sameIdNext = null;
    this.route = "";
    this.clusterName = "";
    this.started = 0;
    this.written = null;
    this.writtenBack = null;
    this.owner = null;
    pool.push(this);
  }

  /** Ready for a newly decoded frame at `offset`, decoded at `now`. */
  begin(offset: i32, now: u64): void {
    this.offset = offset;
    this.started = now;
  }

  get message(): Message {
    return this.decoded;
  }
  get isOneway(): bool {
    return this.decoded.type == MessageType.Oneway;
  }
  get routeName(): string {
    return this.route;
  }
  get cluster(): string {
    return this.clusterName;
  }
  get startNanos(): u64 {
    return this.started;
  }
  get frameEnd(): i32 {
    return this.offset + this.decoded.frameSize;
  }

  get mutation(): Mutation {
    let m = this.written;
    if (m === null) this.written = m = new Mutation();
    return m;
  }
  /** The mutation to encode, without making one. */
  get pendingMutation(): Mutation {
    const m = this.written;
    return m === null ? NO_MUTATION : m;
  }

  get responseMutation(): Mutation {
    let m = this.writtenBack;
    if (m === null) this.writtenBack = m = new Mutation();
    return m;
  }
  /** The response's mutation to encode, without making one. */
  get pendingResponseMutation(): Mutation {
    const m = this.writtenBack;
    return m === null ? NO_MUTATION : m;
  }

  setRoute(name: string, cluster: string): void {
    this.route = name;
    this.clusterName = cluster;
  }

  get replyKind(): ErrorKind {
    return this.kind;
  }
  get replyDetail(): string {
    return this.detail;
  }

  reply(kind: ErrorKind, detail: string): MessageAction {
    this.kind = kind;
    this.detail = detail;
    return MessageAction.Reply;
  }

  hold(): HeldRequest {
    let h = this.handle;
    if (h === null) {
      // The request outlives this callback: lazy keys are read now, while its bytes are readable.
      this.decoded.metadata.keys();
      this.handle = h = new Held(this);
    }
    return h;
  }
}
