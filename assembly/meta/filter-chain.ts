// Runs one connection's filters over its messages: requests in chain order, responses in reverse.
// A filter that holds a request stops the walk; its HeldMessage resumes the walk at the next filter.
import { Direction } from "./codec";
import { ErrorKind, Message } from "./message";
import { Mutation } from "./mutation";
import { FilterMessage, HeldMessage, MessageAction, MetaFilter } from "./filter";

export enum ChainOutcome {
  Continue = 0,
  Held = 1,
  Reply = 2,
}

/** Where a held message goes once its filters are done (the connection). */
export abstract class HeldMessageSink {
  abstract heldMessageDone(held: ChainHeldMessage, outcome: ChainOutcome): void;
}

/** What a filter sees during one onRequest / onResponse call. */
class ChainMessage extends FilterMessage {
  current: Message = new Message();
  currentMutation: Mutation = new Mutation();
  currentDirection: Direction = Direction.Downstream;
  replyKind: ErrorKind = ErrorKind.Unspecified;
  replyDetail: string = "";
  held: ChainHeldMessage | null = null;
  filterIndex: i32 = 0;
  chain: FilterChain | null = null;

  get message(): Message {
    return this.current;
  }
  get mutation(): Mutation {
    return this.currentMutation;
  }
  get direction(): Direction {
    return this.currentDirection;
  }
  reply(kind: ErrorKind, detail: string): MessageAction {
    this.replyKind = kind;
    this.replyDetail = detail;
    return MessageAction.Reply;
  }
  hold(): HeldMessage {
    if (this.held === null) {
      // The message outlives this callback: lazy keys are resolved now, while its bytes are readable.
      this.current.metadata.keys();
      this.held = new ChainHeldMessage(this.chain!, this.current, this.currentMutation, this.filterIndex);
    }
    return this.held!;
  }
}

export class ChainHeldMessage extends HeldMessage {
  finished: bool = false;
  replyKind: ErrorKind = ErrorKind.Unspecified;
  replyDetail: string = "";

  constructor(private chain: FilterChain, private heldMessage: Message, private heldMutation: Mutation, public filterIndex: i32) {
    super();
  }

  get message(): Message {
    return this.heldMessage;
  }
  get mutation(): Mutation {
    return this.heldMutation;
  }
  resume(): void {
    if (this.finished) return;
    this.chain.resumeRequest(this);
  }
  reply(kind: ErrorKind, detail: string): void {
    if (this.finished) return;
    this.replyKind = kind;
    this.replyDetail = detail;
    this.chain.finishHeld(this, ChainOutcome.Reply);
  }
}

export class FilterChain {
  private view: ChainMessage = new ChainMessage();

  constructor(readonly filters: MetaFilter[], private sink: HeldMessageSink) {
    this.view.chain = this;
  }

  /**
   * Runs `message` through the filters from the first. With Held, the chain kept `message` and
   * `mutation` (the caller must use new objects for the next frame); with Reply, see replyKind/replyDetail.
   */
  onRequest(message: Message, mutation: Mutation): ChainOutcome {
    const view = this.view;
    view.current = message;
    view.currentMutation = mutation;
    view.currentDirection = Direction.Downstream;
    view.held = null;
    return this.walkRequest(0);
  }

  get replyKind(): ErrorKind {
    return this.view.replyKind;
  }
  get replyDetail(): string {
    return this.view.replyDetail;
  }
  /** The handle of the message the last onRequest held. */
  get lastHeld(): ChainHeldMessage | null {
    return this.view.held;
  }

  /** Responses cannot wait (Envoy passes server bytes in the same call): every action continues. */
  onResponse(message: Message, mutation: Mutation): void {
    const view = this.view;
    view.current = message;
    view.currentMutation = mutation;
    view.currentDirection = Direction.Upstream;
    view.held = null;
    for (let i = this.filters.length - 1; i >= 0; i--) {
      view.filterIndex = i;
      this.filters[i].onResponse(view);
    }
  }

  resumeRequest(held: ChainHeldMessage): void {
    const view = this.view;
    view.current = held.message;
    view.currentMutation = held.mutation;
    view.currentDirection = Direction.Downstream;
    view.held = held;
    const outcome = this.walkRequest(held.filterIndex + 1);
    if (outcome == ChainOutcome.Held) return;
    if (outcome == ChainOutcome.Reply) {
      held.replyKind = view.replyKind;
      held.replyDetail = view.replyDetail;
    }
    this.finishHeld(held, outcome);
  }

  finishHeld(held: ChainHeldMessage, outcome: ChainOutcome): void {
    held.finished = true;
    this.sink.heldMessageDone(held, outcome);
  }

  private walkRequest(from: i32): ChainOutcome {
    const view = this.view;
    for (let i = from; i < this.filters.length; i++) {
      view.filterIndex = i;
      const action = this.filters[i].onRequest(view);
      if (action == MessageAction.Reply) return ChainOutcome.Reply;
      if (action == MessageAction.Pause) {
        view.hold();
        view.held!.filterIndex = i;
        return ChainOutcome.Held;
      }
    }
    return ChainOutcome.Continue;
  }
}
