// Test module for tests/abi: reports through proxy_log which context object each callback reached
// and what it read, so a recording host can check the ABI layer's dispatch and buffer wrappers.
import "../../../assembly/abi/abort";
import { NetworkContext, RootContext } from "../../../assembly/abi/context";
import { registerRootContext } from "../../../assembly/abi/dispatcher";
import { getBufferBytes, getBufferBytesInto, setBufferBytes } from "../../../assembly/abi/host";
import { logInfo } from "../../../assembly/abi/log";
import { BufferType, FilterStatus, GrpcStatus } from "../../../assembly/abi/types";

export * from "../../../assembly/abi/exports";

let created = 0; // numbers context objects, so the host can tell them apart
const window = new Uint8Array(4);

function text(type: BufferType, size: usize): string {
  const bytes = getBufferBytes(type, 0, <u32>size);
  return bytes === null ? "<none>" : String.UTF8.decode(bytes);
}

class ProbeRoot extends RootContext {
  onConfigure(size: usize): bool {
    logInfo("configure " + this.id.toString() + " " + text(BufferType.PluginConfiguration, size));
    return true;
  }
  newConnection(id: u32): NetworkContext {
    return new ProbeConnection(id, this, ++created);
  }
  onGrpcReceive(token: u32, size: usize): void {
    logInfo("root grpc " + token.toString());
  }
}

class ProbeConnection extends NetworkContext {
  constructor(id: u32, root: RootContext, private serial: i32) {
    super(id, root);
  }
  private report(event: string): void {
    logInfo(event + " " + this.id.toString() + " #" + this.serial.toString());
  }
  onNewConnection(): FilterStatus {
    this.report("new");
    return FilterStatus.Continue;
  }
  onDownstreamData(size: usize, endOfStream: bool): FilterStatus {
    const data = text(BufferType.DownstreamData, size);
    const n = getBufferBytesInto(BufferType.DownstreamData, 0, 4, window);
    const head = String.UTF8.decode(window.buffer.slice(0, n));
    this.report("down " + data + " head=" + head + " eos=" + endOfStream.toString());
    if (data == "grpc") {
      const token = this.grpcCall(Uint8Array.wrap(String.UTF8.encode("rls")), "svc", "Check", null, new Uint8Array(1), 100).token;
      this.report("called " + token.toString());
    }
    return data == "hold" ? FilterStatus.StopIteration : FilterStatus.Continue;
  }
  onUpstreamData(size: usize, endOfStream: bool): FilterStatus {
    const wrapped = "[" + text(BufferType.UpstreamData, size) + "]";
    const ok = setBufferBytes(BufferType.UpstreamData, 0, <u32>size, Uint8Array.wrap(String.UTF8.encode(wrapped)));
    this.report("up " + ok.toString());
    return FilterStatus.Continue;
  }
  onGrpcReceive(token: u32, size: usize): void {
    this.report("grpc " + token.toString() + " " + text(BufferType.GrpcReceiveBuffer, size));
  }
  onGrpcClose(token: u32, status: GrpcStatus): void {
    this.report("grpc-close " + token.toString() + " " + status.toString());
  }
  onDone(): bool {
    this.report("done");
    return true;
  }
  onDelete(): void {
    this.report("delete");
  }
}

registerRootContext((id: u32) => new ProbeRoot(id), "probe");
