// Network filters written in TypeScript on the host's filter interface (host/network/filter.ts),
// for conformance tests that put them in a chain beside the wasm filter through startEnvoy's
// test-only `filterChain` option. Each records what it saw.
import type { ByteBuffer } from "../../host/network/buffer.ts";
import type { FilterManager } from "../../host/network/filter-manager.ts";
import { FilterStatus, type ReadFilter, type ReadFilterCallbacks, type WriteFilter } from "../../host/network/filter.ts";

/** Stops in onNewConnection and in onData until `open()`, which continues iteration after it. */
export class GateFilter implements ReadFilter {
  private callbacks!: ReadFilterCallbacks;
  private opened = false;
  readonly seen: string[] = [];

  initializeReadFilterCallbacks(callbacks: ReadFilterCallbacks): void {
    this.callbacks = callbacks;
  }

  onNewConnection(): FilterStatus {
    return FilterStatus.StopIteration;
  }

  onData(data: ByteBuffer): FilterStatus {
    this.seen.push(data.copyOut(0, data.length).toString());
    return this.opened ? FilterStatus.Continue : FilterStatus.StopIteration;
  }

  open(): void {
    this.opened = true;
    this.callbacks.continueReading();
  }
}

/** Passes everything on, remembering each onData call's bytes and end of stream. */
export class CountingFilter implements ReadFilter {
  readonly calls: Array<{ bytes: string; endStream: boolean }> = [];

  initializeReadFilterCallbacks(): void {}

  onNewConnection(): FilterStatus {
    return FilterStatus.Continue;
  }

  onData(data: ByteBuffer, endStream: boolean): FilterStatus {
    this.calls.push({ bytes: data.copyOut(0, data.length).toString(), endStream });
    return FilterStatus.Continue;
  }
}

/** A terminal filter in tcp_proxy's place: takes the bytes and writes them back to the client. */
export class EchoFilter implements ReadFilter {
  private callbacks!: ReadFilterCallbacks;
  readonly received: string[] = [];

  initializeReadFilterCallbacks(callbacks: ReadFilterCallbacks): void {
    this.callbacks = callbacks;
  }

  onNewConnection(): FilterStatus {
    return FilterStatus.Continue;
  }

  onData(data: ByteBuffer, endStream: boolean): FilterStatus {
    const bytes = Buffer.from(data.copyOut(0, data.length));
    data.drain(bytes.length);
    if (bytes.length > 0) this.received.push(bytes.toString());
    this.callbacks.connection.write(bytes, endStream);
    return FilterStatus.StopIteration;
  }
}

/** A write filter that appends its tag to every non-empty write, to show the write filters' order. */
export class TagWriteFilter implements ReadFilter, WriteFilter {
  constructor(private tag: string) {}

  initializeReadFilterCallbacks(): void {}

  onNewConnection(): FilterStatus {
    return FilterStatus.Continue;
  }

  onData(): FilterStatus {
    return FilterStatus.Continue;
  }

  onWrite(data: ByteBuffer): FilterStatus {
    if (data.length > 0) data.add(Buffer.from(this.tag));
    return FilterStatus.Continue;
  }
}

/** A filter factory that adds one new filter per connection and keeps them, in order, for the test. */
export function collect<F extends ReadFilter>(make: () => F, add: (m: FilterManager, f: F) => void = (m, f) => m.addReadFilter(f)) {
  const made: F[] = [];
  return {
    made,
    factory: (manager: FilterManager) => {
      const f = make();
      made.push(f);
      add(manager, f);
    },
  };
}
