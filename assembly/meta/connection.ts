// One downstream connection: the client's bytes (DOWNSTREAM_DATA) and the server's (UPSTREAM_DATA)
// cut into frames by the codec, requests run through the filters, responses paired with their
// requests. Bytes stay in Envoy's buffers: the codec reads headers through a small window, payloads
// pass unread, and the buffer is edited only to replace a frame (a local reply or a mutation).
import { closeStream, continueStream, currentTimeNanoseconds, getBufferBytes } from "../abi/host";
import { NetworkContext } from "../abi/context";
import { logDebug, logWarn } from "../abi/log";
import { BufferType, FilterStatus, GrpcStatus, PeerType, StreamType } from "../abi/types";
import { Codec, DecodeStatus, Direction } from "./codec";
import { MetaProtocolConfig } from "./config";
import { ChainHeldMessage, ChainOutcome, FilterChain, HeldMessageSink } from "./filter-chain";
import { FrameStream } from "./frame-stream";
import { ConnectionFilterServices } from "./filter-services";
import { InFlightRequest, InFlightRequests } from "./in-flight";
import { Message, MessageType, ResponseStatus } from "./message";
import { Mutation } from "./mutation";
import { MetaProtocolRoot } from "./root";
import { MetaStats, Stat } from "./stats";
import { ConnectionUpstreamChoice } from "./upstream-choice";

/** Decided frames may wait this long behind an incomplete header before its bytes are copied instead. */
const MAX_HELD_BEHIND_HEADER: i32 = 64 * 1024;
/** A frame to re-encode waits in Envoy's buffer until whole, up to Envoy's default buffer limit. */
const MAX_FRAME_TO_MUTATE: i32 = 1024 * 1024;

/** A request whose mutation waits for the rest of its frame (it came in pieces). */
class PendingMutation {
  constructor(public message: Message, public mutation: Mutation, public frameSize: i32) {}
}

class HeldSink extends HeldMessageSink {
  connection: MetaProtocolConnection | null = null;
  heldMessageDone(held: ChainHeldMessage, outcome: ChainOutcome): void {
    this.connection!.heldMessageDone(held, outcome);
  }
}

export class MetaProtocolConnection extends NetworkContext {
  private codec: Codec;
  private config: MetaProtocolConfig;
  private stats: MetaStats;
  private requests: FrameStream = new FrameStream(BufferType.DownstreamData);
  private responses: FrameStream = new FrameStream(BufferType.UpstreamData);
  private message: Message = new Message();
  private mutation: Mutation = new Mutation();
  private inFlight: InFlightRequests;
  private sink: HeldSink = new HeldSink();
  private chain: FilterChain = new FilterChain([], this.sink);
  private services: ConnectionFilterServices[] = [];
  private upstreamChoice: ConnectionUpstreamChoice | null = null;
  private heldCount: i32 = 0;
  private inDownstreamCallback: bool = false;
  private pendingMutation: PendingMutation | null = null;
  private clockNanos: u64 = 0;
  private closed: bool = false;
  private finished: bool = false;

  constructor(id: u32, root: MetaProtocolRoot) {
    super(id, root);
    const config = root.config!;
    const codec = config.codec!.create();
    this.config = config;
    this.stats = root.stats!;
    this.codec = codec;
    this.inFlight = new InFlightRequests(codec.pairsByOrder());
    this.sink.connection = this;
    const choice = config.needsUpstreamChoice ? new ConnectionUpstreamChoice() : null;
    this.upstreamChoice = choice;
    for (let i = 0; i < config.filters.length; i++) {
      const services = new ConnectionFilterServices(this, root, i, choice);
      this.services.push(services);
      this.chain.filters.push(config.filters[i].config.createFilter(services));
    }
  }

  onNewConnection(): FilterStatus {
    this.stats.add(Stat.ConnectionActive, 1);
    this.stats.flush();
    // A filter that picks the cluster needs the first request before tcp_proxy connects.
    return this.upstreamChoice !== null ? FilterStatus.StopIteration : FilterStatus.Continue;
  }

  onDownstreamData(size: usize, endOfStream: bool): FilterStatus {
    if (this.closed) return FilterStatus.StopIteration;
    this.inDownstreamCallback = true;
    const status = this.decodeRequests(<i32>size, endOfStream);
    this.inDownstreamCallback = false;
    this.endCallback();
    return status;
  }

  /** The time, read from the host once per callback: the messages of one read arrived together. */
  private now(): u64 {
    if (this.clockNanos == 0) this.clockNanos = currentTimeNanoseconds();
    return this.clockNanos;
  }

  private endCallback(): void {
    this.clockNanos = 0;
    this.stats.flush();
  }

  private decodeRequests(size: i32, endOfStream: bool): FilterStatus {
    const s = this.requests;
    s.begin(size);
    let pos = s.skipDecided(s.resumeAt);
    if (this.pendingMutation !== null) pos = this.mutateWhenWhole(s, pos, endOfStream);
    while (pos < s.length && !this.closed && this.pendingMutation === null) {
      const message = this.message;
      message.reset();
      s.input.seek(pos);
      const result = this.codec.decode(s.input, Direction.Downstream, message, this.config.maxFrameSize);
      if (result.status == DecodeStatus.NeedMoreData) break;
      if (result.status == DecodeStatus.Error || result.frameSize <= 0) {
        this.stats.inc(Stat.RequestDecodingError);
        return this.fail("request: " + result.error);
      }
      pos = this.onRequest(s, pos, result.frameSize);
    }
    if (this.closed) return FilterStatus.StopIteration;
    if (this.heldCount > 0 || this.pendingMutation !== null) {
      s.hold(pos);
      return FilterStatus.StopIteration;
    }
    // An incomplete header behind decided frames: wait for the rest of it, unless too much waits.
    if (pos < s.length && !endOfStream && (pos - s.input.carried < MAX_HELD_BEHIND_HEADER)) {
      s.hold(pos);
      return FilterStatus.StopIteration;
    }
    if (this.upstreamChoice !== null && !this.upstreamChoice!.isStarted) {
      this.releaseHeldBuffer(pos);
      return FilterStatus.Continue;
    }
    s.passed(pos);
    return FilterStatus.Continue;
  }

  /**
   * tcp_proxy starts now, for the cluster a filter chose. It keeps these bytes while it connects
   * (reads disabled) and Envoy then hands the same buffer to the filter chain again from the
   * start: decoding resumes after what was decided, nothing is carried.
   */
  private releaseHeldBuffer(pos: i32): void {
    this.requests.hold(pos);
    this.upstreamChoice!.isStarted = true;
  }

  /** One decoded request at `pos`; returns where the next frame starts. */
  private onRequest(s: FrameStream, pos: i32, frameSize: i32): i32 {
    const message = this.message;
    const type = message.type;
    if (type == MessageType.Heartbeat) {
      this.stats.inc(Stat.Heartbeat);
      return s.advance(pos, frameSize);
    }
    if (type == MessageType.Oneway) this.stats.inc(Stat.RequestOneway);
    else this.stats.inc(Stat.Request);
    let mutation = this.mutation;
    if (!mutation.isEmpty) this.mutation = mutation = new Mutation();
    const outcome = this.chain.onRequest(message, mutation);
    if (outcome == ChainOutcome.Reply) return this.replyInPlace(s, pos, frameSize);
    if (outcome == ChainOutcome.Held) {
      // The chain keeps these objects until the message is released.
      this.message = new Message();
      this.mutation = new Mutation();
      this.heldCount++;
    }
    if (type == MessageType.Request) this.track(message.requestId, null);
    if (!mutation.isEmpty) {
      if (pos >= s.input.carried && pos + frameSize <= s.length) {
        frameSize = this.applyMutation(s, pos, frameSize, message, mutation);
      } else if (pos >= s.input.carried && frameSize <= MAX_FRAME_TO_MUTATE) {
        // The rest of the frame is still to come: it waits in Envoy's buffer, then is re-encoded.
        this.pendingMutation = new PendingMutation(message, mutation, frameSize);
        this.message = new Message();
        this.mutation = new Mutation();
        return pos;
      } else {
        logDebug("meta_protocol: mutation skipped, the frame's head already passed or it is too large to hold");
      }
    }
    return s.advance(pos, frameSize);
  }

  /** The frame at `pos` waits for its mutation: re-encodes it once whole; returns where decoding goes on. */
  private mutateWhenWhole(s: FrameStream, pos: i32, endOfStream: bool): i32 {
    const pending = this.pendingMutation!;
    if (pos + pending.frameSize > s.length) {
      if (!endOfStream) return pos; // still waiting
      this.pendingMutation = null; // the client is done: what came passes as it is
      return s.advance(pos, pending.frameSize);
    }
    this.pendingMutation = null;
    return s.advance(pos, this.applyMutation(s, pos, pending.frameSize, pending.message, pending.mutation));
  }

  private track(requestId: u64, reply: Uint8Array | null): void {
    this.inFlight.add(requestId, new InFlightRequest(this.now(), reply));
    this.stats.add(Stat.RequestActive, 1);
  }

  /** Re-encodes the whole frame at `pos` with the filters' mutation; returns its new size. */
  private applyMutation(s: FrameStream, pos: i32, frameSize: i32, message: Message, mutation: Mutation): i32 {
    s.input.seek(pos);
    const encoded = this.codec.encode(s.input, message, mutation);
    s.replace(pos, pos + frameSize, encoded);
    return encoded.length;
  }

  /**
   * Answers the request at `pos` with the codec's error reply: the request is replaced by the
   * codec's probe, and the reply takes the place of the probe's answer on the way back.
   */
  private replyInPlace(s: FrameStream, pos: i32, frameSize: i32): i32 {
    const message = this.message;
    const reply = this.codec.errorReply(message, this.chain.replyKind, this.chain.replyDetail);
    const oneway = message.type == MessageType.Oneway;
    const probe = oneway ? new Uint8Array(0) : this.codec.probeRequest(message);
    if (probe === null || pos < s.input.carried) {
      // No way to reach the client: the request must not pass either.
      this.stats.inc(Stat.LocalReplyConnectionClosed);
      this.fail("local reply cannot be delivered: " + this.chain.replyDetail);
      return s.length;
    }
    this.stats.inc(Stat.LocalReply);
    this.replaceFrame(s, pos, frameSize, probe);
    if (!oneway) this.track(message.requestId, reply);
    return pos + probe.length;
  }

  /** Puts `bytes` in place of the frame at `pos`; the part of it still to come will be dropped. */
  private replaceFrame(s: FrameStream, pos: i32, frameSize: i32, bytes: Uint8Array): void {
    const end = pos + frameSize;
    const here = s.length;
    s.replace(pos, end < here ? end : here, bytes);
    if (end > here) s.dropNext(end - here);
  }

  onUpstreamData(size: usize, endOfStream: bool): FilterStatus {
    if (this.closed) return FilterStatus.Continue;
    const s = this.responses;
    s.begin(<i32>size);
    let pos = s.skipDecided(0);
    while (pos < s.length) {
      const message = this.message;
      message.reset();
      s.input.seek(pos);
      const result = this.codec.decode(s.input, Direction.Upstream, message, this.config.maxFrameSize);
      if (result.status == DecodeStatus.NeedMoreData) break;
      if (result.status == DecodeStatus.Error || result.frameSize <= 0) {
        this.stats.inc(Stat.ResponseDecodingError);
        this.fail("response: " + result.error);
        this.endCallback();
        return FilterStatus.Continue;
      }
      pos = this.onResponse(s, pos, result.frameSize);
    }
    // The write path cannot wait: an incomplete header is copied for the next callback.
    s.passed(pos);
    this.endCallback();
    return FilterStatus.Continue;
  }

  private onResponse(s: FrameStream, pos: i32, frameSize: i32): i32 {
    const message = this.message;
    const type = message.type;
    const answersProbe = this.inFlight.peekReply(message.requestId) !== null;
    if (type == MessageType.Request || type == MessageType.Oneway || (type == MessageType.Heartbeat && !answersProbe)) {
      // Server-initiated frames (heartbeats) pass as they are.
      if (type == MessageType.Heartbeat) this.stats.inc(Stat.Heartbeat);
      return s.advance(pos, frameSize);
    }
    const request = this.inFlight.take(message.requestId);
    if (request === null) {
      this.stats.inc(Stat.ResponseUnpaired);
      return s.advance(pos, frameSize);
    }
    this.stats.add(Stat.RequestActive, -1);
    const reply = request.reply;
    if (reply !== null) {
      if (pos < s.input.carried) {
        this.fail("local reply lost: the probe's answer already passed");
        return s.length;
      }
      this.replaceFrame(s, pos, frameSize, reply);
      return pos + reply.length;
    }
    this.stats.inc(Stat.Response);
    this.stats.inc(message.status == ResponseStatus.Ok ? Stat.ResponseSuccess : Stat.ResponseError);
    this.stats.recordRequestTime((this.now() - request.startNanos) / 1_000_000);
    if (this.chain.filters.length > 0) this.chain.onResponse(message, this.mutation);
    return s.advance(pos, frameSize);
  }

  /** A held request is done: when nothing else is held, the buffered bytes go on. */
  heldMessageDone(held: ChainHeldMessage, outcome: ChainOutcome): void {
    if (this.closed) return;
    this.heldCount--;
    this.heldMessageSettled(held, outcome);
    this.endCallback();
  }

  private heldMessageSettled(held: ChainHeldMessage, outcome: ChainOutcome): void {
    if (outcome == ChainOutcome.Reply) {
      // Outside on_downstream_data Envoy lets no filter edit the client's bytes.
      this.stats.inc(Stat.LocalReplyConnectionClosed);
      this.fail("local reply to a held request cannot be delivered: " + held.replyDetail);
      return;
    }
    if (this.heldCount == 0 && !this.inDownstreamCallback) {
      const choice = this.upstreamChoice;
      if (choice !== null && !choice.isStarted) choice.isStarted = true; // the buffer comes back: see releaseHeldBuffer
      else this.requests.passedWhileAway();
      continueStream(StreamType.Downstream);
    }
  }

  private fail(reason: string): FilterStatus {
    logWarn("meta_protocol." + this.stats.prefix + ": closing connection " + this.id.toString() + ": " + reason);
    this.closed = true;
    closeStream(StreamType.Downstream);
    return FilterStatus.StopIteration;
  }

  onGrpcReceive(token: u32, size: usize): void {
    this.grpcDone(token, GrpcStatus.Ok, getBufferBytes(BufferType.GrpcCallMessage, 0, <u32>size));
  }

  onGrpcClose(token: u32, status: GrpcStatus): void {
    this.grpcDone(token, status, null);
  }

  private grpcDone(token: u32, status: GrpcStatus, response: ArrayBuffer | null): void {
    for (let i = 0; i < this.services.length; i++) {
      if (this.services[i].takeGrpcCall(token)) {
        this.chain.filters[i].onGrpcCallDone(token, status, response);
        return;
      }
    }
  }

  /** A wake-up a filter asked for (the root's tick made this the effective context). */
  wake(filterIndex: i32): void {
    if (!this.closed) this.chain.filters[filterIndex].onTimer();
  }

  onDownstreamConnectionClose(peer: PeerType): void {
    this.finish();
  }

  onDone(): bool {
    this.finish();
    return true;
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.closed = true;
    this.stats.add(Stat.ConnectionActive, -1);
    this.stats.add(Stat.RequestActive, -this.inFlight.size);
    for (let i = 0; i < this.chain.filters.length; i++) this.chain.filters[i].onConnectionClose();
    this.stats.flush();
    (this.root as MetaProtocolRoot).forgetConnection(this.id);
  }
}
