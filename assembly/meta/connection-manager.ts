// One downstream connection's MetaProtocol logic, as Aeraki's connection manager: the client's
// bytes cut into frames by the codec, one ActiveRequest per request run through the filter chain,
// responses paired with their requests. Bytes stay in Envoy's buffers: the codec reads headers
// through a small window, payloads pass unread. While any request is held the client's buffer
// stays paused in Envoy; when none is, each request's bytes are decided (passed, re-encoded with
// its mutation, or replaced by the codec's probe for a local reply) and the buffer goes on.
// A filter may drain the connection (drain()): from the request that asked on, requests are dropped
// (their bytes removed, counted), replies in flight are delivered, then the connection closes, so
// the client reconnects and is routed afresh.
// Everything Envoy does is reached through a ConnectionPort, so all of this runs in unit specs.
import { ActiveRequest, RequestOwner, RequestState, takeRequest } from "./active-request";
import { Codec, DecodeStatus, Direction } from "./codec";
import { FilterChain } from "./filter-chain";
import { FrameStream } from "./frame-stream";
import { InFlightRequests } from "./in-flight";
import { ErrorKind, Message, MessageType, ResponseStatus } from "./message";
import { ConnectionPort } from "./ports";
import { Stat } from "./stat-names";
import { ConnectionUpstreamChoice } from "./upstream-choice";

/** Decided frames may wait this long behind an incomplete header before its bytes are carried instead. */
const MAX_HELD_BEHIND_HEADER: i32 = 64 * 1024;
/** A frame to re-encode waits in Envoy's buffer until whole, up to Envoy's default buffer limit. */
export const MAX_FRAME_TO_MUTATE: i32 = 1024 * 1024;

/** Until a connection drains it drops nothing: one empty set, shared and never written. */
const NONE_DROPPED = new Set<ActiveRequest>();

/**
 * Every response is decoded into this one message: a response is paired, shown to the filters and
 * passed within the callback that decodes it, and one callback serves one connection, so one per
 * VM is enough (a response withheld until whole is decoded again when it is).
 */
const response = new Message();

/** A response paired at its header whose body is still coming: it counts, and its filters run, once whole. */
class IncompleteResponse {
  request: ActiveRequest | null = null;
  readonly message: Message = new Message();
}

export class ConnectionManager extends RequestOwner {
  private requests: FrameStream;
  private responses: FrameStream;
  private inFlight: InFlightRequests;
  /** Requests whose bytes are still in the paused client buffer, in stream order (linked by nextBuffered). */
  private firstBuffered: ActiveRequest | null = null;
  private lastBuffered: ActiveRequest | null = null;
  private heldCount: i32 = 0;
  private inDownstreamCallback: bool = false;
  private upstreamStarted: bool;
  /** Decoded into but not (yet) a request: see nextRequest. */
  private spare: ActiveRequest | null = null;
  private closed: bool = false;
  private finished: bool = false;
  /** The client ended its stream (half-close): no more downstream callbacks will come. */
  private clientEnded: bool = false;
  private inUpstreamCallback: bool = false;
  /** Set by drain(): new requests are dropped, and the connection closes once nothing is left to deliver. */
  private draining: bool = false;
  private drainReason: string = "";
  /** Requests whose bytes are removed instead of forwarded (the connection is draining). */
  private dropped: Set<ActiveRequest> = NONE_DROPPED;
  /** Requests in flight whose responses are to be re-encoded with a mutation. */
  private responseMutationsInFlight: i32 = 0;
  /** Made for the first response that spans callbacks, then reused. */
  private incomplete: IncompleteResponse | null = null;

  constructor(
    private port: ConnectionPort,
    private codec: Codec,
    private chain: FilterChain,
    private choice: ConnectionUpstreamChoice | null,
  ) {
    super();
    this.requests = new FrameStream(port.downstream);
    this.responses = new FrameStream(port.upstream);
    this.inFlight = new InFlightRequests(codec.pairsByOrder());
    // A filter that picks the cluster needs the first request before tcp_proxy connects.
    this.upstreamStarted = choice === null;
  }

  /** Whether on_new_connection pauses (tcp_proxy must wait for the first request's cluster). */
  get waitsForFirstRequest(): bool {
    return !this.upstreamStarted;
  }

  get requestsInFlight(): i32 {
    return this.inFlight.size;
  }

  /** on_downstream_data: true to continue (the buffer passes), false to keep it paused. */
  onDownstreamData(size: i32, endOfStream: bool): bool {
    if (this.closed) return false;
    if (endOfStream) this.clientEnded = true;
    const s = this.requests;
    s.begin(size);
    this.inDownstreamCallback = true;
    let pos = s.skipDecided(s.resumeAt);
    while (pos < s.length && !this.closed) {
      const request = this.nextRequest();
      const message = request.message;
      s.input.seek(pos);
      const status = this.codec.decode(s.input, Direction.Downstream, message);
      if (status == DecodeStatus.NeedMoreData) break;
      if (status == DecodeStatus.Error || message.frameSize <= 0) {
        this.port.count(Stat.RequestDecodingError, 1);
        this.fail("request: " + (status == DecodeStatus.Error ? this.codec.lastError : "the codec decoded a frame of no bytes"));
        break;
      }
      pos = this.onRequest(request, pos);
    }
    this.inDownstreamCallback = false;
    if (this.closed) return false;
    const go = this.release(pos, endOfStream);
    return this.closeIfDrained() ? false : go;
  }

  /**
   * The object the next frame is decoded into: a new one only once the previous one became a
   * request, so an incomplete frame or a heartbeat costs no allocation.
   */
  private nextRequest(): ActiveRequest {
    const spare = this.spare;
    if (spare === null) return (this.spare = takeRequest(this));
    spare.message.reset();
    return spare;
  }

  /** Runs the chain on a decoded request at `pos`; returns where the next frame starts. */
  private onRequest(request: ActiveRequest, pos: i32): i32 {
    const message = request.message;
    const type = message.type;
    if (type == MessageType.Heartbeat) {
      this.port.count(Stat.Heartbeat, 1);
      return this.requests.advance(pos, message.frameSize);
    }
    this.spare = null; // it is a request now: the next frame gets a new object
    this.port.count(type == MessageType.Oneway ? Stat.RequestOneway : Stat.Request, 1);
    request.begin(pos, this.port.now());
    if (this.draining) {
      // Its filters are not run: it never goes on.
      request.state = RequestState.Decided;
      this.drop(request);
    } else if (this.runChain(request, 0) == RequestState.Held) {
      this.heldCount++;
    }
    const last = this.lastBuffered;
    if (last === null) this.firstBuffered = request;
    else last.nextBuffered = request;
    this.lastBuffered = request;
    return this.requests.advance(pos, message.frameSize);
  }

  /** Runs the filters from `from`; the request during whose filters the drain started is dropped too. */
  private runChain(request: ActiveRequest, from: i32): RequestState {
    const wasDraining = this.draining;
    const state = this.chain.runRequest(request, from);
    if (this.draining && !wasDraining) this.drop(request);
    return state;
  }

  private drop(request: ActiveRequest): void {
    if (this.dropped === NONE_DROPPED) this.dropped = new Set<ActiveRequest>();
    this.dropped.add(request);
    this.port.count(Stat.RequestDrained, 1);
  }

  /** End of a downstream callback: keep the buffer paused, or decide its bytes and let it pass. */
  private release(pos: i32, endOfStream: bool): bool {
    const s = this.requests;
    const mustWait = this.heldCount > 0 || this.waitsForWholeFrame(endOfStream) ||
      // An incomplete header behind decided frames: wait for the rest of it, unless too much waits.
      (pos < s.length && !endOfStream && pos - s.input.carried < MAX_HELD_BEHIND_HEADER);
    if (mustWait) {
      s.hold(pos);
      return false;
    }
    pos = this.decide(pos);
    if (this.closed) return false;
    // The first Continue starts tcp_proxy, which takes the bytes as early data while it connects.
    if (!this.upstreamStarted) this.startUpstream();
    s.passed(pos);
    return true;
  }

  private startUpstream(): void {
    this.upstreamStarted = true;
    if (this.choice !== null) this.choice!.upstreamStarts();
  }

  /** A request with a mutation whose frame is still coming: it waits in Envoy's buffer until whole. */
  private waitsForWholeFrame(endOfStream: bool): bool {
    if (endOfStream) return false;
    const s = this.requests;
    let next = this.firstBuffered;
    while (next !== null) {
      const r = next;
      next = r.nextBuffered;
      if (r.state != RequestState.Decided || r.pendingMutation.isEmpty || this.dropped.has(r)) continue;
      if (r.offset >= s.input.carried && r.frameEnd > s.length && r.message.frameSize <= MAX_FRAME_TO_MUTATE) return true;
    }
    return false;
  }

  /**
   * Writes every buffered request's decision into Envoy's buffer (the edits are queued in stream
   * order and written with one rewrite), then tracks the requests that expect an answer, in stream
   * order. Returns `pos` moved by the size changes.
   */
  private decide(pos: i32): i32 {
    const s = this.requests;
    let next = this.firstBuffered;
    while (next !== null && !this.closed) {
      const r = next;
      next = r.nextBuffered;
      if (this.dropped.has(r)) this.removeDropped(r);
      else if (r.state == RequestState.Replied) this.replaceWithProbe(r);
      else if (!r.pendingMutation.isEmpty) this.reencode(r);
    }
    if (this.closed) return pos;
    pos += s.applyEdits();
    next = this.firstBuffered;
    this.firstBuffered = this.lastBuffered = null;
    while (next !== null) {
      const r = next;
      next = r.nextBuffered;
      r.nextBuffered = null;
      // Keys left to a lazy reader are not read once the frame's bytes are gone.
      r.message.metadata.forgetLazy();
      if (this.dropped.delete(r) || r.message.type != MessageType.Request) continue;
      if (this.mutatesResponse(r)) this.responseMutationsInFlight++;
      this.inFlight.add(r);
      this.port.count(Stat.RequestActive, 1);
    }
    return pos;
  }

  private reencode(r: ActiveRequest): void {
    const s = this.requests;
    if (r.offset < s.input.carried || r.frameEnd > s.length) {
      this.port.logDebug("meta_protocol: mutation skipped, the frame's head already passed or it is too large to hold");
      return;
    }
    s.input.seek(r.offset);
    s.queueFrame(r.offset, r.message.frameSize, this.codec.encode(s.input, r.message, r.pendingMutation));
  }

  /** A request of a draining connection: its bytes are removed, also the part still to come. */
  private removeDropped(r: ActiveRequest): void {
    if (r.offset < this.requests.input.carried) {
      this.fail("drained request already partly passed: " + this.drainReason);
      return;
    }
    this.requests.queueFrame(r.offset, r.message.frameSize, new Uint8Array(0));
  }

  /**
   * A request answered by a filter: the codec's probe takes its place, and the error reply takes
   * the place of the probe's answer on the way back (a network filter can write to the client only
   * while upstream bytes pass). A oneway request is just removed.
   */
  private replaceWithProbe(r: ActiveRequest): void {
    const s = this.requests;
    const message = r.message;
    const oneway = r.isOneway;
    const probe = oneway ? new Uint8Array(0) : this.codec.probeRequest(message);
    if (probe === null || r.offset < s.input.carried) {
      // No way to reach the client: the request must not pass either.
      this.port.count(Stat.LocalReplyConnectionClosed, 1);
      this.fail("local reply cannot be delivered: " + r.replyDetail);
      return;
    }
    this.port.count(Stat.LocalReply, 1);
    if (!oneway) r.localReply = this.codec.errorReply(message, r.replyKind, r.replyDetail);
    s.queueFrame(r.offset, message.frameSize, probe);
  }

  resume(request: ActiveRequest): void {
    if (this.closed) return;
    this.heldCount--;
    if (this.runChain(request, request.filterIndex + 1) == RequestState.Held) {
      this.heldCount++;
      return;
    }
    this.settle();
  }

  replyLater(request: ActiveRequest, kind: ErrorKind, detail: string): void {
    if (this.closed) return;
    this.heldCount--;
    request.reply(kind, detail);
    request.state = RequestState.Replied;
    this.settle();
  }

  /**
   * A held request was released. Inside a data callback its end decides; outside one (a wake-up,
   * a gRPC answer), Envoy keeps the paused buffer reachable for this connection's context, so the
   * decisions are written into it now and the buffer continues.
   */
  private settle(): void {
    if (this.inDownstreamCallback || this.heldCount > 0) return;
    const s = this.requests;
    const size = this.port.downstream.size;
    if (size < 0) {
      this.fail("the paused client bytes are out of reach");
      return;
    }
    s.begin(size);
    if (this.waitsForWholeFrame(false)) return; // the next downstream callback decides
    const pos = this.decide(s.resumeAt);
    if (this.closed) return;
    if (!this.upstreamStarted) this.startUpstream();
    s.passedWhileAway(pos, this.clientEnded);
    this.port.continueDownstream();
    this.closeIfDrained();
  }

  /**
   * on_upstream_data: responses are paired and shown to the filters. The write path never waits,
   * except for a response to be mutated that is not whole yet: its bytes are taken out of Envoy's
   * buffer and kept in the module until they are (see FrameStream.withhold).
   */
  onUpstreamData(size: i32, endOfStream: bool): void {
    if (this.closed) return;
    const s = this.responses;
    s.begin(size, endOfStream);
    this.inUpstreamCallback = true;
    this.readResponses(s, endOfStream);
    this.inUpstreamCallback = false;
  }

  private readResponses(s: FrameStream, endOfStream: bool): void {
    let pos = s.skipDecided(0);
    const incomplete = this.incomplete;
    if (incomplete !== null && incomplete.request !== null && !s.skipping) {
      const request = incomplete.request!;
      incomplete.request = null;
      this.responseComplete(incomplete.message, request);
      request.recycle();
    }
    while (pos < s.length) {
      const message = response;
      message.reset();
      s.input.seek(pos);
      const status = this.codec.decode(s.input, Direction.Upstream, message);
      if (status == DecodeStatus.NeedMoreData) break;
      if (status == DecodeStatus.Error || message.frameSize <= 0) {
        this.port.count(Stat.ResponseDecodingError, 1);
        this.fail("response: " + (status == DecodeStatus.Error ? this.codec.lastError : "the codec decoded a frame of no bytes"));
        return;
      }
      pos = this.onResponse(pos, endOfStream);
      if (this.closed) return;
    }
    // An incomplete header is copied for the next callback; if it may start a response to mutate,
    // it is held back instead, so that the response's head can still be rewritten.
    if (pos < s.length && this.responseMutationsInFlight > 0 && !endOfStream && pos >= s.input.carried) s.withhold(pos, 0);
    s.passed(pos);
  }

  private mutatesResponse(r: ActiveRequest): bool {
    return !r.pendingResponseMutation.isEmpty && this.codec.mutatesResponses();
  }

  private onResponse(pos: i32, endOfStream: bool): i32 {
    const s = this.responses;
    const message = response;
    const type = message.type;
    const request = this.inFlight.find(message.requestId);
    const answersProbe = request !== null && request.localReply !== null;
    if (type == MessageType.Request || type == MessageType.Oneway || (type == MessageType.Heartbeat && !answersProbe)) {
      // Server-initiated frames (heartbeats) pass as they are.
      if (type == MessageType.Heartbeat) this.port.count(Stat.Heartbeat, 1);
      return s.advance(pos, message.frameSize);
    }
    if (request === null) {
      this.port.count(Stat.ResponseUnpaired, 1);
      return s.advance(pos, message.frameSize);
    }
    let frameSize = message.frameSize;
    const mutated = this.mutatesResponse(request);
    if (mutated && request.localReply === null) {
      if (pos + frameSize > s.length && !endOfStream && pos >= s.input.carried) {
        // Not whole yet: it waits in the module, and is paired when it is.
        s.withhold(pos, frameSize);
        return pos;
      }
      frameSize = this.reencodeResponse(request, pos);
    }
    if (mutated) this.responseMutationsInFlight--;
    this.inFlight.remove(request);
    const reply = request.localReply;
    if (reply !== null) {
      this.port.count(Stat.RequestActive, -1);
      if (pos < s.input.carried) {
        this.fail("local reply lost: the probe's answer already passed");
        return s.length;
      }
      this.chain.runResponse(message, request, true);
      request.recycle();
      return s.replaceFrame(pos, message.frameSize, reply);
    }
    if (pos + frameSize <= s.length) {
      this.responseComplete(message, request);
      request.recycle();
      return pos + frameSize;
    }
    // Its body passes on as it comes (never held), but it is a response only once whole, as a
    // decoder that reads whole frames counts it (Envoy's thrift_proxy at messageEnd).
    let incomplete = this.incomplete;
    if (incomplete === null) this.incomplete = incomplete = new IncompleteResponse();
    incomplete.message.copyFrom(message);
    incomplete.request = request;
    return s.advance(pos, frameSize);
  }

  /** The whole of `message`, the answer to `request`, has passed: counted, timed and shown to the filters. */
  private responseComplete(message: Message, request: ActiveRequest): void {
    this.port.count(Stat.RequestActive, -1);
    this.port.count(Stat.Response, 1);
    this.port.count(message.status == ResponseStatus.Ok ? Stat.ResponseSuccess : Stat.ResponseError, 1);
    this.port.recordRequestTime((this.port.now() - request.startNanos) / 1_000_000);
    this.chain.runResponse(message, request, false);
  }

  /** Writes the request's response mutation into the whole response at `pos`; returns its new size. */
  private reencodeResponse(request: ActiveRequest, pos: i32): i32 {
    const s = this.responses;
    const message = response;
    if (pos < s.input.carried || pos + message.frameSize > s.length) {
      this.port.logDebug("meta_protocol: response mutation skipped, the response's head already passed or its end never came");
      return message.frameSize;
    }
    s.input.seek(pos);
    const encoded = this.codec.encode(s.input, message, request.pendingResponseMutation);
    s.replace(pos, pos + message.frameSize, encoded);
    return encoded.length;
  }

  /**
   * Starts draining (see the file's head). The close waits for the in-flight replies, the held
   * requests and the end of a data callback; from any other callback it may happen at once.
   */
  drain(reason: string): void {
    if (this.closed || this.draining) return;
    this.draining = true;
    this.drainReason = reason;
    this.port.logDebug("meta_protocol: draining connection: " + reason);
    if (!this.inDownstreamCallback && !this.inUpstreamCallback) this.closeIfDrained();
  }

  /**
   * A drained connection with nothing left to deliver, still open. From on_upstream_data it must
   * close from a later callback: a close there would lose the reply passing in that call.
   */
  get closeDue(): bool {
    if (!this.draining || this.closed || this.heldCount > 0 || this.inFlight.size > 0 || this.responseIncomplete) return false;
    let next = this.firstBuffered;
    while (next !== null) {
      if (!this.dropped.has(next)) return false;
      next = next.nextBuffered;
    }
    return true;
  }

  private get responseIncomplete(): bool {
    const incomplete = this.incomplete;
    return incomplete !== null && incomplete.request !== null;
  }

  /** Closes the connection if it is drained (closeDue); true if it did. */
  closeIfDrained(): bool {
    if (!this.closeDue) return false;
    this.port.count(Stat.ConnectionDrained, 1);
    this.closed = true;
    this.port.close("drained: " + this.drainReason, true);
    return true;
  }

  private fail(reason: string): void {
    this.closed = true;
    this.port.close(reason, false);
  }

  /** The connection is gone: gauges back, filters told. Idempotent. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.closed = true;
    // A response whose end never came is no response: its request ends unanswered, as those in flight.
    this.port.count(Stat.RequestActive, -(this.inFlight.size + (this.responseIncomplete ? 1 : 0)));
    for (let i = 0; i < this.chain.filters.length; i++) this.chain.filters[i].onConnectionClose();
  }
}
