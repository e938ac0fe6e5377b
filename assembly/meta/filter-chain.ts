// Runs one connection's filters: requests in chain order, responses in reverse. A filter that
// holds a request stops the walk; resuming the request walks on from the next filter. The result
// is the request's own state (decided, held or replied, with the reply's kind and detail on it):
// nothing is left in shared state between requests.
import { ActiveRequest, RequestState } from "./active-request";
import { MessageAction, MetaFilter, RequestInfo, ResponseView } from "./filter";
import { Message, ResponseStatus } from "./message";

/** What the filters see of a response: filled for one walk, so one per VM serves every connection. */
class Response extends ResponseView {
  decoded: Message | null = null;
  answers: RequestInfo | null = null;
  local: bool = false;
  get message(): Message {
    return this.decoded!;
  }
  get request(): RequestInfo {
    return this.answers!;
  }
  get isLocalReply(): bool {
    return this.local;
  }
  get status(): ResponseStatus {
    return this.local ? ResponseStatus.Error : this.decoded!.status;
  }
}

const responseView = new Response();

export class FilterChain {
  constructor(readonly filters: MetaFilter[]) {}

  /** Walks `request` through the filters from `from`; returns its new state. */
  runRequest(request: ActiveRequest, from: i32): RequestState {
    for (let i = from; i < this.filters.length; i++) {
      const action = this.filters[i].onRequest(request);
      if (action == MessageAction.Reply) return (request.state = RequestState.Replied);
      if (action == MessageAction.Pause) {
        request.hold();
        request.filterIndex = i;
        return (request.state = RequestState.Held);
      }
    }
    return (request.state = RequestState.Decided);
  }

  /** Shows `message`, the answer to `request` (or to its probe, for a local reply), to the filters in reverse order. */
  runResponse(message: Message, request: RequestInfo, localReply: bool): void {
    const view = responseView;
    view.decoded = message;
    view.answers = request;
    view.local = localReply;
    for (let i = this.filters.length - 1; i >= 0; i--) this.filters[i].onResponse(view);
    view.decoded = null;
    view.answers = null;
  }
}
