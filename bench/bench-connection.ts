// One downstream connection through a module's network filter, driven through the host's real ABI
// without sockets: what every benchmark that measures the module alone uses.
import { ByteBuffer } from "../host/network/buffer.ts";
import { ConnectionEvent } from "../host/network/filter.ts";
import type { WasmNetworkFilter, WasmPlugin } from "../host/wasm/plugin.ts";
import { detachedCallbacks } from "./detached-callbacks.ts";

export class BenchConnection {
  private readonly filter: WasmNetworkFilter;
  private readonly callbacks = detachedCallbacks();
  private readonly data = new ByteBuffer();
  private readonly written = new ByteBuffer();
  /** Request bytes the module let pass; a module that held or dropped some would look cheaper. */
  passedBytes = 0;

  constructor(plugin: WasmPlugin) {
    const filter = plugin.createFilter();
    if (!filter) throw new Error("the VM failed: no filter");
    this.filter = filter;
    filter.initializeReadFilterCallbacks(this.callbacks);
    filter.onNewConnection();
  }

  /** Sends `requests` in one read, then `responses` in one write. */
  exchange(requests: Buffer, responses: Buffer): void {
    this.send(requests);
    this.answer(responses);
  }

  /** The client's `requests` in one read. */
  send(requests: Buffer): void {
    this.data.add(requests);
    this.filter.onData(this.data, false);
    this.passedBytes += this.data.length;
    this.data.drain(this.data.length);
  }

  /** The server's `responses` in one write. */
  answer(responses: Buffer): void {
    this.written.add(responses);
    this.filter.onWrite(this.written, false);
    this.written.drain(this.written.length);
  }

  get closed(): boolean {
    return this.callbacks.closed;
  }

  close(): void {
    this.filter.onEvent(ConnectionEvent.LocalClose);
  }
}
