// Drives a module through the host's real ABI without sockets (as bench/host-calls.ts does) and
// reads its memory from the host: linear memory pages, and the AssemblyScript heap's bytes in use
// (heap-walk.ts) once a collection has run.
import { ByteBuffer } from "../../host/network/buffer.ts";
import { ConnectionEvent } from "../../host/network/filter.ts";
import { StatsStore } from "../../host/stats.ts";
import { SharedData } from "../../host/wasm/shared-data.ts";
import { WasmPlugin, type WasmNetworkFilter } from "../../host/wasm/plugin.ts";
import { LogLevel } from "../../host/wasm/types.ts";
import { detachedCallbacks } from "../detached-callbacks.ts";
import { findTlsfRoot, walkHeap, type HeapUse } from "./heap-walk.ts";

export const PAGE = 65536;

/** A loaded module and where its heap starts. */
export interface Subject {
  plugin: WasmPlugin;
  heapRoot: number | null;
}

export function load(code: Buffer, configuration: string): Subject {
  const plugin = WasmPlugin.load(
    {
      name: "memory", rootId: "memory", vmId: "memory", code, failOpen: false,
      vmConfiguration: new Uint8Array(0), pluginConfiguration: Buffer.from(configuration),
    },
    {
      stats: new StatsStore(), log: (level, message) => level >= LogLevel.Warn && console.error(message),
      sharedData: new SharedData(), cluster: () => undefined,
    },
  );
  return { plugin, heapRoot: findTlsfRoot(plugin.vm.memory) };
}

export function pages(subject: Subject): number {
  return subject.plugin.vm.memory.buffer.byteLength / PAGE;
}

/**
 * The heap after a collection. The module collects after every max(64, open connections)th
 * callback (assembly/abi/gc.ts), so rounds of that many empty callbacks (a queue nobody
 * registered) are sent until the bytes in use stop falling: what is left is live, give or take
 * the little garbage of the last few empty callbacks.
 */
export function settledHeap(subject: Subject, openConnections = 0): HeapUse | null {
  if (subject.heapRoot === null) return null;
  const vm = subject.plugin.vm;
  const perRound = Math.max(64, openConnections);
  let last: HeapUse | null = null;
  for (let round = 0; round < 8; round++) {
    for (let i = 0; i < perRound; i++) vm.call("proxy_on_queue_ready", vm.rootContextId, 0);
    const now = walkHeap(vm.memory, subject.heapRoot);
    if (now === null) return null;
    if (last !== null && now.usedBytes >= last.usedBytes) return now;
    last = now;
  }
  return last;
}

/** One downstream connection through the filter, with its request and response bytes ready. */
export class BenchConnection {
  private readonly filter: WasmNetworkFilter;
  private readonly callbacks = detachedCallbacks();
  private readonly data = new ByteBuffer();
  private readonly written = new ByteBuffer();
  /** Request bytes the module let pass; a module that held or dropped some would look cheaper. */
  passedBytes = 0;

  constructor(subject: Subject) {
    const filter = subject.plugin.createFilter();
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
