// Filters for the runtime specs, on the public filter API: they hold, mutate, answer and record.
import { HeldRequest, MessageAction, MetaFilter, RequestView, ResponseView, FilterServices } from "../../../assembly/meta/filter";
import { ErrorKind } from "../../../assembly/meta/message";

/** Holds every request whose `hold` key is "yes"; the spec releases them. */
export class Holder extends MetaFilter {
  held: HeldRequest[] = [];
  onRequest(r: RequestView): MessageAction {
    const h = r.message.metadata.get("hold");
    if (h === null || h != "yes") return MessageAction.Continue;
    this.held.push(r.hold());
    return MessageAction.Pause;
  }
}

/** Sets `key=value` on every request; answers requests whose `deny` key is present. */
export class Mutator extends MetaFilter {
  constructor(private key: string, private value: string) {
    super();
  }
  onRequest(r: RequestView): MessageAction {
    if (r.message.metadata.has("deny")) return r.reply(ErrorKind.OverLimit, "denied");
    r.mutation.set(this.key, this.value);
    return MessageAction.Continue;
  }
}

/** Asks for `key=value` in the response to every request. */
export class ResponseMutator extends MetaFilter {
  constructor(private key: string, private value: string) {
    super();
  }
  onRequest(r: RequestView): MessageAction {
    r.responseMutation.set(this.key, this.value);
    return MessageAction.Continue;
  }
}

/** Records "<method of the request>/<response status>" for every response it sees. */
export class ResponseRecorder extends MetaFilter {
  seen: string[] = [];
  onResponse(r: ResponseView): void {
    const method = r.request.message.metadata.get("method");
    this.seen.push((method !== null ? method : "?") + "/" + (<i32>r.message.status).toString());
  }
}

/** Asks for the cluster named by each request's `cluster` key (only the first may bind). */
export class ClusterPicker extends MetaFilter {
  constructor(private services: FilterServices) {
    super();
  }
  onRequest(r: RequestView): MessageAction {
    const cluster = r.message.metadata.get("cluster");
    const upstream = this.services.upstream!;
    if (cluster !== null) upstream.chooseCluster(cluster);
    r.setRoute("by-key", upstream.boundCluster);
    return MessageAction.Continue;
  }
}
