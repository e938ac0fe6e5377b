// Test module on the framework: a filter that asks a gRPC service (cluster "grpc",
// test.Gate/Check, the request's method as the message) about every request and holds it until
// the answer: "allow" resumes it, anything else answers it with the protocol's error. Exercises
// FilterServices.grpcCall, hold/resume from onGrpcCallDone, and a reply decided after a pause.
import "../../../assembly/abi/abort";
import {
  ConfigErrors, ErrorKind, FilterConfig, FilterFactory, RequestView, FilterServices, GrpcStatus, HeldRequest, JsonValue,
  MessageAction, MetaFilter, registerBuiltinCodecs, registerFilter, startMetaProtocol,
} from "../../../assembly/framework";

export * from "../../../assembly/abi/exports";

class GateConfig extends FilterConfig {
  createFilter(services: FilterServices): MetaFilter {
    return new Gate(services);
  }
}

class Gate extends MetaFilter {
  private tokens: u32[] = [];
  private held: HeldRequest[] = [];

  constructor(private services: FilterServices) {
    super();
  }

  onRequest(r: RequestView): MessageAction {
    const method = r.message.metadata.get("method");
    const question = Uint8Array.wrap(String.UTF8.encode(method !== null ? method : ""));
    const token = this.services.grpcCall(Uint8Array.wrap(String.UTF8.encode("grpc")), "test.Gate", "Check", question, 2000);
    if (token == 0) return r.reply(ErrorKind.Unspecified, "gate unreachable");
    this.tokens.push(token);
    this.held.push(r.hold());
    return MessageAction.Pause;
  }

  onGrpcCallDone(token: u32, status: GrpcStatus, response: ArrayBuffer | null): void {
    const i = this.tokens.indexOf(token);
    if (i < 0) return;
    const held = this.held[i];
    this.tokens.splice(i, 1);
    this.held.splice(i, 1);
    const answer = response !== null ? String.UTF8.decode(response) : "";
    if (status == GrpcStatus.Ok && answer == "allow") held.resume();
    else held.reply(ErrorKind.OverLimit, "denied by gate");
  }
}

class GateFactory extends FilterFactory {
  get name(): string {
    return "test.grpc_gate";
  }
  configure(config: JsonValue | null, at: string, errors: ConfigErrors): FilterConfig | null {
    return new GateConfig();
  }
}

registerBuiltinCodecs();
registerFilter(new GateFactory());
startMetaProtocol();
